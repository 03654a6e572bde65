//! Says what is wrong with a JSON request body that poem-openapi refused, by checking the body
//! against the operation's request-body schema in the served document.
//!
//! poem's reasons name a Rust-side type ("Expected input type \"string\" (occurred while parsing
//! \"NewUserRequest\")"), seldom the field, and sometimes quote the value. The schema knows the
//! field (`collaterals[0].held_since`) and what it should hold; the answer says that in Chinese
//! and never repeats the value, which may be a password.
//!
//! The check follows what the document uses: `$ref`, `allOf`, `oneOf`/`anyOf` (with a
//! discriminator when there is one), `nullable`, `required`, `readOnly`, `type` (integer vs
//! number), `format` (integer widths, `date`, `date-time`), `enum`, string lengths and patterns,
//! numeric bounds, item counts and `additionalProperties`. Where poem is more lenient than the
//! document it reads the body as poem does: `null` for a property that is not required is
//! "absent" (poem's `Option`), and a number or boolean where a string is expected is accepted
//! (poem converts it), so it is blamed only when nothing else is wrong.

use serde_json::Value;

/// What the client should fix: the field (a path into the body; `None` for the body as a whole)
/// and a Chinese message naming it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub field: Option<String>,
    pub message: String,
}

/// The first problem of `body` against `schema` (a schema of `doc`, whose `$ref`s it resolves),
/// or `None` when the body conforms (poem refused it for a reason the document does not show).
pub fn explain(doc: &Value, schema: &Value, body: &[u8]) -> Option<Problem> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Some(not_json(body, &e)),
    };
    let mut checker = Checker {
        doc,
        found: Vec::new(),
    };
    checker.check(schema, &value, "");
    let found = checker.found;
    let pick = found
        .iter()
        .position(|f| !f.lenient)
        .or(if found.is_empty() { None } else { Some(0) })?;
    let f = found.into_iter().nth(pick)?;
    Some(Problem {
        field: (!f.path.is_empty()).then_some(f.path),
        message: f.message,
    })
}

fn not_json(body: &[u8], e: &serde_json::Error) -> Problem {
    let message = if body.iter().all(u8::is_ascii_whitespace) {
        "请求内容为空，应为 JSON".to_string()
    } else {
        // serde_json's own text can quote the input; only the position is passed on.
        format!(
            "请求内容不是有效的 JSON（第 {} 行第 {} 列附近）",
            e.line(),
            e.column()
        )
    };
    Problem {
        field: None,
        message,
    }
}

struct Found {
    path: String,
    message: String,
    /// Poem accepts this (see the module docs): a last resort.
    lenient: bool,
}

struct Checker<'a> {
    doc: &'a Value,
    found: Vec<Found>,
}

/// "字段 x " or, for the body itself, "请求内容" (the space sets the ASCII name apart).
fn subject(path: &str) -> String {
    if path.is_empty() {
        "请求内容".to_string()
    } else {
        format!("字段 {path} ")
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn options(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// A bound as the document writes it (`0`, `1.5`).
fn bound(v: &Value) -> String {
    v.to_string()
}

/// OpenAPI 3.0 writes `exclusiveMinimum: true` beside `minimum`; 3.1 writes the bound itself.
fn limit<'v>(schema: &'v Value, key: &str, exclusive_key: &str) -> Option<(&'v Value, bool)> {
    match (schema.get(key), schema.get(exclusive_key)) {
        (Some(n), Some(Value::Bool(excl))) => Some((n, *excl)),
        (Some(n), _) => Some((n, false)),
        (None, Some(n)) if n.is_number() => Some((n, true)),
        _ => None,
    }
}

fn integer_range(format: &str) -> Option<(i128, i128)> {
    Some(match format {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "int64" => (i64::MIN.into(), i64::MAX.into()),
        "uint8" => (0, u8::MAX.into()),
        "uint16" => (0, u16::MAX.into()),
        "uint32" => (0, u32::MAX.into()),
        "uint64" => (0, u64::MAX.into()),
        _ => return None,
    })
}

impl<'a> Checker<'a> {
    fn push(&mut self, path: &str, message: String) {
        self.found.push(Found {
            path: path.to_string(),
            message,
            lenient: false,
        });
    }

    /// Follows `$ref`s (`#/components/schemas/X`); an unresolvable one is "anything".
    fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..32 {
            let Some(target) = schema.get("$ref").and_then(Value::as_str) else {
                return schema;
            };
            match target
                .strip_prefix('#')
                .and_then(|pointer| self.doc.pointer(pointer))
            {
                Some(s) => schema = s,
                None => return &Value::Bool(true),
            }
        }
        &Value::Bool(true)
    }

    fn admits_null(&self, schema: &'a Value) -> bool {
        let s = self.resolve(schema);
        if !s.is_object() || s.get("nullable") == Some(&Value::Bool(true)) {
            return true;
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            return values.contains(&Value::Null);
        }
        let all = |k: &str| {
            s.get(k)
                .and_then(Value::as_array)
                .map(|alts| alts.iter().all(|a| self.admits_null(a)))
        };
        let any = |k: &str| {
            s.get(k)
                .and_then(Value::as_array)
                .map(|alts| alts.iter().any(|a| self.admits_null(a)))
        };
        if s.get("type").is_some() {
            return false;
        }
        // No type: `allOf` must all admit null, a `oneOf`/`anyOf` one of them; nothing at all is
        // "anything".
        all("allOf").unwrap_or(true) && any("oneOf").unwrap_or(true) && any("anyOf").unwrap_or(true)
    }

    /// What a value of `schema` is, in words: "整数", "以下取值之一：A、B".
    fn expected(&self, schema: &'a Value) -> String {
        let s = self.resolve(schema);
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            let listed: Vec<Value> = values.iter().filter(|v| !v.is_null()).cloned().collect();
            return format!("以下取值之一：{}", options(&listed));
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some([only]) = s.get(key).and_then(Value::as_array).map(Vec::as_slice)
                && s.get("type").is_none()
            {
                return self.expected(only);
            }
        }
        let format = s.get("format").and_then(Value::as_str).unwrap_or("");
        match s.get("type").and_then(Value::as_str) {
            Some("string") if format == "date" => "日期（YYYY-MM-DD）".into(),
            Some("string") if format == "date-time" => "日期时间（RFC 3339）".into(),
            Some("string") => "字符串".into(),
            Some("integer") => "整数".into(),
            Some("number") => "数字".into(),
            Some("boolean") => "布尔值（true 或 false）".into(),
            Some("array") => "数组".into(),
            Some("object") => "对象".into(),
            _ => "有效的值".into(),
        }
    }

    fn check(&mut self, schema: &'a Value, value: &Value, path: &str) {
        let s = self.resolve(schema);
        if !s.is_object() {
            return; // `true` or `{}`-like: anything goes.
        }
        if value.is_null() {
            if !self.admits_null(s) {
                let expected = self.expected(s);
                self.push(
                    path,
                    format!("{}不能为 null，应为{expected}", subject(path)),
                );
            }
            return;
        }
        if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
            for part in parts {
                self.check(part, value, path);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alternatives) = s.get(key).and_then(Value::as_array) {
                self.check_alternatives(s, alternatives, value, path);
            }
        }
        let before = self.found.len();
        match s.get("type").and_then(Value::as_str) {
            Some("object") => self.check_object(s, value, path),
            Some("array") => self.check_array(s, value, path),
            Some("string") => self.check_string(s, value, path),
            Some("integer") => self.check_integer(s, value, path),
            Some("number") => self.check_number(s, value, path),
            Some("boolean") if !value.is_boolean() => {
                let message = format!("{}应为{}", subject(path), self.expected(s));
                self.push(path, message);
            }
            _ => {}
        }
        if self.found.len() == before
            && let Some(values) = s.get("enum").and_then(Value::as_array)
            && !values.contains(value)
        {
            self.push(
                path,
                format!("{}的取值无效，可选值：{}", subject(path), options(values)),
            );
        }
    }

    fn check_alternatives(
        &mut self,
        s: &'a Value,
        alternatives: &'a [Value],
        value: &Value,
        path: &str,
    ) {
        // A discriminator names the one alternative that applies.
        if let Some(property) = s
            .get("discriminator")
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str)
        {
            let mapping = s["discriminator"].get("mapping");
            let name = value.get(property).and_then(Value::as_str);
            let chosen = name.and_then(|n| {
                mapping
                    .and_then(|m| m.get(n))
                    .and_then(Value::as_str)
                    .and_then(|target| {
                        alternatives
                            .iter()
                            .find(|a| a.get("$ref").and_then(Value::as_str) == Some(target))
                    })
            });
            match chosen {
                Some(alternative) => self.check(alternative, value, path),
                None => {
                    let names: Vec<Value> = mapping
                        .and_then(Value::as_object)
                        .map(|m| m.keys().map(|k| Value::String(k.clone())).collect())
                        .unwrap_or_default();
                    let at = child(path, property);
                    self.push(
                        &at,
                        format!("{}的取值无效，可选值：{}", subject(&at), options(&names)),
                    );
                }
            }
            return;
        }
        let mut best: Option<Vec<Found>> = None;
        for alternative in alternatives {
            let mut trial = Checker {
                doc: self.doc,
                found: Vec::new(),
            };
            trial.check(alternative, value, path);
            if trial.found.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| trial.found.len() < b.len()) {
                best = Some(trial.found);
            }
        }
        self.found.extend(best.unwrap_or_default());
    }

    fn wrong_type(&mut self, s: &'a Value, path: &str) {
        let message = format!("{}应为{}", subject(path), self.expected(s));
        self.push(path, message);
    }

    fn check_object(&mut self, s: &'a Value, value: &Value, path: &str) {
        let Some(object) = value.as_object() else {
            return self.wrong_type(s, path);
        };
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let properties = s.get("properties").and_then(Value::as_object);
        for (key, item) in object {
            let at = child(path, key);
            match properties.and_then(|p| p.get(key)) {
                Some(property) => {
                    if self.resolve(property).get("readOnly") == Some(&Value::Bool(true))
                        || property.get("readOnly") == Some(&Value::Bool(true))
                    {
                        self.push(&at, format!("{}为只读字段，请求中不能提供", subject(&at)));
                        continue;
                    }
                    if item.is_null() && !required.contains(&key.as_str()) {
                        continue; // poem reads it as absent
                    }
                    self.check(property, item, &at);
                }
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        self.push(&at, format!("未知字段 {at}，接口不接受该字段"));
                    }
                    Some(extra) if extra.is_object() => self.check(extra, item, &at),
                    _ => {}
                },
            }
        }
        for name in required {
            if !object.contains_key(name) {
                let at = child(path, name);
                let expected = properties
                    .and_then(|p| p.get(name))
                    .map(|p| self.expected(p))
                    .unwrap_or_else(|| "有效的值".into());
                self.push(&at, format!("缺少必填字段 {at}（应为{expected}）"));
            }
        }
    }

    fn check_array(&mut self, s: &'a Value, value: &Value, path: &str) {
        let Some(items) = value.as_array() else {
            return self.wrong_type(s, path);
        };
        if let Some(n) = s.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < n
        {
            self.push(path, format!("{}至少应有 {n} 项", subject(path)));
        }
        if let Some(n) = s.get("maxItems").and_then(Value::as_u64)
            && (items.len() as u64) > n
        {
            self.push(path, format!("{}最多 {n} 项", subject(path)));
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true))
            && items
                .iter()
                .enumerate()
                .any(|(i, a)| items[..i].contains(a))
        {
            self.push(path, format!("{}不能有重复项", subject(path)));
        }
        if let Some(item_schema) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.check(item_schema, item, &format!("{path}[{i}]"));
            }
        }
    }

    fn check_string(&mut self, s: &'a Value, value: &Value, path: &str) {
        let text = match value {
            Value::String(t) => t,
            Value::Number(_) | Value::Bool(_) => {
                let message = format!("{}应为{}", subject(path), self.expected(s));
                self.found.push(Found {
                    path: path.to_string(),
                    message,
                    lenient: true,
                });
                return;
            }
            _ => return self.wrong_type(s, path),
        };
        let chars = text.chars().count() as u64;
        if let Some(n) = s.get("minLength").and_then(Value::as_u64)
            && chars < n
        {
            let message = if n == 1 {
                format!("{}不能为空", subject(path))
            } else {
                format!("{}至少 {n} 个字符", subject(path))
            };
            self.push(path, message);
        }
        if let Some(n) = s.get("maxLength").and_then(Value::as_u64)
            && chars > n
        {
            self.push(path, format!("{}最多 {n} 个字符", subject(path)));
        }
        if let Some(pattern) = s.get("pattern").and_then(Value::as_str)
            && regex::Regex::new(pattern).is_ok_and(|re| !re.is_match(text))
        {
            self.push(path, format!("{}的格式不正确", subject(path)));
        }
        match s.get("format").and_then(Value::as_str) {
            Some("date") if chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err() => {
                self.push(
                    path,
                    format!(
                        "{}应为有效日期，格式 YYYY-MM-DD（如 2024-03-31）",
                        subject(path)
                    ),
                );
            }
            Some("date-time") if chrono::DateTime::parse_from_rfc3339(text).is_err() => {
                self.push(
                    path,
                    format!(
                        "{}应为日期时间，格式 RFC 3339（如 2024-03-31T08:00:00Z）",
                        subject(path)
                    ),
                );
            }
            _ => {}
        }
    }

    fn check_integer(&mut self, s: &'a Value, value: &Value, path: &str) {
        let whole = value
            .as_i64()
            .map(i128::from)
            .or_else(|| value.as_u64().map(i128::from));
        let Some(n) = whole else {
            return self.wrong_type(s, path);
        };
        if let Some((low, high)) = s
            .get("format")
            .and_then(Value::as_str)
            .and_then(integer_range)
            && !(low..=high).contains(&n)
        {
            self.push(
                path,
                format!("{}超出整数范围（{low} 至 {high}）", subject(path)),
            );
            return;
        }
        self.check_bounds(s, n as f64, path);
    }

    fn check_number(&mut self, s: &'a Value, value: &Value, path: &str) {
        match value.as_f64() {
            Some(n) => self.check_bounds(s, n, path),
            None => self.wrong_type(s, path),
        }
    }

    fn check_bounds(&mut self, s: &'a Value, n: f64, path: &str) {
        if let Some((low, exclusive)) = limit(s, "minimum", "exclusiveMinimum")
            && let Some(l) = low.as_f64()
            && (n < l || (exclusive && n == l))
        {
            let rule = if exclusive {
                "应大于"
            } else {
                "不能小于"
            };
            self.push(path, format!("{}{rule} {}", subject(path), bound(low)));
        }
        if let Some((high, exclusive)) = limit(s, "maximum", "exclusiveMaximum")
            && let Some(h) = high.as_f64()
            && (n > h || (exclusive && n == h))
        {
            let rule = if exclusive {
                "应小于"
            } else {
                "不能大于"
            };
            self.push(path, format!("{}{rule} {}", subject(path), bound(high)));
        }
        if let Some(step) = s.get("multipleOf").and_then(Value::as_f64)
            && step > 0.0
            && ((n / step).round() * step - n).abs() > 1e-9 * step.max(1.0)
        {
            self.push(path, format!("{}应为 {step} 的整数倍", subject(path)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "Role": {"type": "string", "enum": ["admin", "staff"]},
            "Item": {"type": "object", "required": ["kind"], "properties": {
                "kind": {"$ref": "#/components/schemas/Role"},
                "held_since": {"type": "string", "format": "date", "nullable": true}
            }},
            "Body": {"type": "object", "required": ["name", "role"], "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 4},
                "id": {"type": "integer", "format": "int64", "readOnly": true},
                "age": {"type": "integer", "format": "uint32", "minimum": 18},
                "share": {"type": "number", "maximum": 1, "exclusiveMaximum": true},
                "role": {"$ref": "#/components/schemas/Role"},
                "grade": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/Role"}]},
                "items": {"type": "array", "maxItems": 2, "items": {"$ref": "#/components/schemas/Item"}},
                "ok": {"type": "boolean"}
            }}
        }}})
    }

    fn explain_body(body: Value) -> Option<Problem> {
        let d = doc();
        explain(
            &d,
            &json!({"$ref": "#/components/schemas/Body"}),
            body.to_string().as_bytes(),
        )
    }

    fn field_and_message(body: Value) -> (Option<String>, String) {
        let p = explain_body(body).expect("a problem");
        (p.field, p.message)
    }

    #[test]
    fn each_shape_names_its_field() {
        let cases: Vec<(Value, &str, &str)> = vec![
            (
                json!({"role": "admin"}),
                "name",
                "缺少必填字段 name（应为字符串）",
            ),
            (
                json!({"name": "a"}),
                "role",
                "缺少必填字段 role（应为以下取值之一：admin、staff）",
            ),
            (
                json!({"name": [], "role": "admin"}),
                "name",
                "字段 name 应为字符串",
            ),
            (
                json!({"name": "", "role": "admin"}),
                "name",
                "字段 name 不能为空",
            ),
            (
                json!({"name": "abcde", "role": "admin"}),
                "name",
                "字段 name 最多 4 个字符",
            ),
            (
                json!({"name": "a", "role": "boss"}),
                "role",
                "字段 role 的取值无效，可选值：admin、staff",
            ),
            (
                json!({"name": "a", "role": "admin", "grade": "x"}),
                "grade",
                "字段 grade 的取值无效，可选值：admin、staff",
            ),
            (
                json!({"name": "a", "role": "admin", "age": 1.5}),
                "age",
                "字段 age 应为整数",
            ),
            (
                json!({"name": "a", "role": "admin", "age": -1}),
                "age",
                "字段 age 超出整数范围（0 至 4294967295）",
            ),
            (
                json!({"name": "a", "role": "admin", "age": 17}),
                "age",
                "字段 age 不能小于 18",
            ),
            (
                json!({"name": "a", "role": "admin", "share": 1}),
                "share",
                "字段 share 应小于 1",
            ),
            (
                json!({"name": "a", "role": "admin", "share": "half"}),
                "share",
                "字段 share 应为数字",
            ),
            (
                json!({"name": "a", "role": "admin", "ok": "yes"}),
                "ok",
                "字段 ok 应为布尔值（true 或 false）",
            ),
            (
                json!({"name": "a", "role": "admin", "id": 3}),
                "id",
                "字段 id 为只读字段，请求中不能提供",
            ),
            (
                json!({"name": null, "role": "admin"}),
                "name",
                "字段 name 不能为 null，应为字符串",
            ),
            (
                json!({"name": "a", "role": "admin", "items": [{"kind": "admin"}, {"kind": "admin", "held_since": "2020-02-30"}]}),
                "items[1].held_since",
                "字段 items[1].held_since 应为有效日期，格式 YYYY-MM-DD（如 2024-03-31）",
            ),
            (
                json!({"name": "a", "role": "admin", "items": [{}]}),
                "items[0].kind",
                "缺少必填字段 items[0].kind（应为以下取值之一：admin、staff）",
            ),
            (
                json!({"name": "a", "role": "admin", "items": [{"kind": "admin"}, {"kind": "admin"}, {"kind": "admin"}]}),
                "items",
                "字段 items 最多 2 项",
            ),
            (
                json!({"name": "a", "role": "admin", "items": {}}),
                "items",
                "字段 items 应为数组",
            ),
        ];
        for (body, field, message) in cases {
            let (f, m) = field_and_message(body.clone());
            assert_eq!(f.as_deref(), Some(field), "{body}");
            assert_eq!(m, message, "{body}");
        }
    }

    #[test]
    fn null_means_absent_for_optional_fields_and_is_fine_where_nullable() {
        assert_eq!(
            explain_body(
                json!({"name": "a", "role": "admin", "age": null, "grade": null, "items": [{"kind": "staff", "held_since": null}]})
            ),
            None
        );
    }

    #[test]
    fn a_number_for_a_string_is_blamed_only_when_nothing_else_is_wrong() {
        let (f, _) = field_and_message(json!({"name": 12, "role": "boss"}));
        assert_eq!(f.as_deref(), Some("role"));
        let (f, _) = field_and_message(json!({"name": 12, "role": "admin"}));
        assert_eq!(f.as_deref(), Some("name"));
    }

    #[test]
    fn the_body_as_a_whole() {
        let d = doc();
        let schema = json!({"$ref": "#/components/schemas/Body"});
        let p = explain(&d, &schema, b"[1]").unwrap();
        assert_eq!((p.field, p.message.as_str()), (None, "请求内容应为对象"));
        let p = explain(&d, &schema, b"{\"name\": ").unwrap();
        assert!(
            p.message.starts_with("请求内容不是有效的 JSON（第 1 行"),
            "{}",
            p.message
        );
        let p = explain(&d, &schema, b"  ").unwrap();
        assert_eq!(p.message, "请求内容为空，应为 JSON");
    }

    #[test]
    fn values_are_never_repeated() {
        let secret = "S3cret-pass";
        for body in [
            json!({"name": secret, "role": "admin"}),
            json!({"name": "a", "role": secret}),
            json!({"name": "a", "role": "admin", "items": [{"kind": secret}]}),
        ] {
            let p = explain_body(body).unwrap();
            assert!(!p.message.contains(secret), "{}", p.message);
        }
        let raw = format!("{{\"name\": \"{secret}\" \"role\"}}");
        let p = explain(
            &doc(),
            &json!({"$ref": "#/components/schemas/Body"}),
            raw.as_bytes(),
        )
        .unwrap();
        assert!(!p.message.contains(secret), "{}", p.message);
    }

    #[test]
    fn alternatives_and_discriminators() {
        let d = json!({"components": {"schemas": {
            "Cat": {"type": "object", "required": ["kind", "lives"], "properties": {"kind": {"type": "string"}, "lives": {"type": "integer"}}},
            "Dog": {"type": "object", "required": ["kind", "bark"], "properties": {"kind": {"type": "string"}, "bark": {"type": "boolean"}}},
            "Pet": {"type": "object", "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                    "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"}}},
            "Loose": {"anyOf": [{"type": "integer"}, {"type": "string", "format": "date"}]}
        }}});
        let pet = json!({"$ref": "#/components/schemas/Pet"});
        let p = explain(&d, &pet, br#"{"kind": "dog", "bark": 3}"#).unwrap();
        assert_eq!(p.field.as_deref(), Some("bark"));
        let p = explain(&d, &pet, br#"{"kind": "cow"}"#).unwrap();
        assert_eq!(p.field.as_deref(), Some("kind"));
        assert!(p.message.contains("cat、dog"), "{}", p.message);
        assert_eq!(explain(&d, &pet, br#"{"kind": "cat", "lives": 9}"#), None);
        let loose = json!({"$ref": "#/components/schemas/Loose"});
        assert_eq!(explain(&d, &loose, b"\"2024-01-31\""), None);
        assert_eq!(explain(&d, &loose, b"7"), None);
        assert!(explain(&d, &loose, b"\"soon\"").is_some());
    }
}
