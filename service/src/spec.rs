//! The OpenAPI document as integrators get it, and the lookups the error rewriter makes in it.
//!
//! poem-openapi writes a nullable (or defaulted) reference as
//! `{"nullable": true, "allOf": [{"$ref": "…/TaxGrade"}, {"nullable": true}]}`. The second `allOf`
//! entry is a schema without a type, and openapi-python-client gives up on every model holding
//! such a field: it dropped `Customer`, `CustomerInput` and `CustomerPage`. [`integrator_form`]
//! folds such annotation-only entries into the wrapper, giving
//! `{"nullable": true, "allOf": [{"$ref": "…/TaxGrade"}]}`.
//!
//! Tried with the real tools (openapi-python-client 0.29.1, openapi-spec-validator 0.9,
//! openapi-typescript 7.13, schemathesis 4.32): a one-entry `allOf`, `oneOf` or `anyOf` wrapper
//! with `nullable` all pass the validator and give the same models (`None | TaxGrade | Unset`,
//! `TaxGrade | null`); `nullable` beside a bare `$ref` is ignored by 3.0 tools (the Python client
//! then refuses `null`); `anyOf: [{$ref}, {type: "null"}]` is OpenAPI 3.1 and fails 3.0
//! validation; inlining the enum makes one enum class per field (`CustomerTaxGrade`,
//! `CustomerInputTaxGrade`, …) instead of the one `TaxGrade`. Of the wrappers `allOf` is poem's
//! own, the smallest change, and Swagger UI shows it as the referenced model rather than as a
//! choice of one.
//!
//! A defaulted model-valued field (the rule set's `plan_policy`, filled with the shipped values
//! when omitted) is written with its whole default object beside the reference;
//! openapi-python-client refuses it ("ModelProperty cannot have a default value") and drops the
//! model. [`integrator_form`] removes object defaults beside a reference: the field stays optional,
//! and its description says what omitting it means.
//!
//! poem's `format: naive-date` (chrono's `NaiveDate`, always `YYYY-MM-DD`) is written as the
//! standard `format: date`, so generated clients parse dates as dates.

use hyper::body::Bytes;
use indexmap::IndexMap;
use poem::endpoint::make_sync;
use poem::http::Method;
use poem::{Endpoint, EndpointExt, Response, Route, get};
use poem_openapi::OpenApiService;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::{Arc, OnceLock};

use crate::api::{Api, api_service};

/// A JSON tree that keeps key order: people read the document (Swagger UI lists properties in
/// document order) and the committed `frontend/openapi.json` is reviewed by diff.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(untagged)]
enum Node {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Node>),
    Object(IndexMap<String, Node>),
}

/// Keys that describe a schema without constraining it.
const ANNOTATIONS: [&str; 8] = [
    "nullable",
    "default",
    "description",
    "title",
    "example",
    "deprecated",
    "readOnly",
    "writeOnly",
];

fn is_ref(node: &Node) -> bool {
    matches!(node, Node::Object(m) if m.contains_key("$ref"))
}

fn is_annotation(node: &Node) -> bool {
    matches!(node, Node::Object(m) if m.keys().all(|k| ANNOTATIONS.contains(&k.as_str())))
}

/// `allOf: [{$ref}, {annotations…}]` → the annotations on the wrapper, `allOf: [{$ref}]`.
fn fold_annotated_ref(map: &mut IndexMap<String, Node>) {
    let notes = {
        let Some(Node::Array(entries)) = map.get_mut("allOf") else {
            return;
        };
        let refs = entries.iter().filter(|e| is_ref(e)).count();
        if refs != 1 || entries.len() == 1 || !entries.iter().all(|e| is_ref(e) || is_annotation(e))
        {
            return;
        }
        let mut notes = Vec::new();
        entries.retain(|e| {
            if is_ref(e) {
                return true;
            }
            if let Node::Object(m) = e {
                notes.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            false
        });
        notes
    };
    for (key, value) in notes {
        // The wrapper's own annotations were written for the property: they win.
        map.entry(key).or_insert(value);
    }
}

/// A reference wrapper's object-valued `default` (see the module docs) is dropped.
fn drop_model_default(map: &mut IndexMap<String, Node>) {
    let wraps_ref = matches!(map.get("allOf"), Some(Node::Array(e)) if e.iter().any(is_ref))
        || map.contains_key("$ref");
    if wraps_ref && matches!(map.get("default"), Some(Node::Object(_))) {
        map.shift_remove("default");
    }
}

fn rewrite(node: &mut Node) {
    match node {
        Node::Array(items) => items.iter_mut().for_each(rewrite),
        Node::Object(map) => {
            map.values_mut().for_each(rewrite);
            fold_annotated_ref(map);
            drop_model_default(map);
            if let Some(Node::String(format)) = map.get_mut("format")
                && format == "naive-date"
            {
                *format = "date".to_string();
            }
            // A wrapper left with nothing but its one reference is that reference.
            if map.len() == 1
                && let Some(Node::Array(entries)) = map.get_mut("allOf")
                && entries.len() == 1
                && is_ref(&entries[0])
            {
                let only = entries.remove(0);
                *node = only;
            }
        }
        _ => {}
    }
}

/// poem-openapi's spec text → the document integrators' generators read (see the module docs).
/// The one source of `/api/openapi.json`, `/docs` and `loan-broker openapi`.
pub fn integrator_form(raw: &str) -> String {
    let mut doc: Node = serde_json::from_str(raw).expect("poem-openapi writes JSON");
    rewrite(&mut doc);
    serde_json::to_string_pretty(&doc).expect("a JSON tree serialises")
}

/// The document of `api`, in integrator form.
pub fn document(api: &OpenApiService<Api, ()>) -> String {
    integrator_form(&api.spec())
}

/// The served document, its Swagger UI page, and lookups by route template.
pub struct Contract {
    text: Bytes,
    doc: Value,
    /// The server URL the document lists, to build the Swagger UI page again.
    public_url: Option<String>,
    /// Built at the first `/docs` visit: the page inlines Swagger UI's ~1 MB script, memory an
    /// idle instance that nobody browses should not hold.
    docs_html: OnceLock<Bytes>,
}

/// The order `Allow` lists methods in.
const METHODS: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

impl Contract {
    pub fn new(api: &OpenApiService<Api, ()>, public_url: Option<&str>) -> Self {
        let text = document(api);
        let doc = serde_json::from_str(&text).expect("the document is JSON");
        Self {
            text: Bytes::from(text),
            doc,
            public_url: public_url.map(str::to_owned),
            docs_html: OnceLock::new(),
        }
    }

    /// poem-openapi's Swagger UI page, showing the integrator form instead of the raw document
    /// it embeds.
    fn docs_html(&self) -> Bytes {
        self.docs_html
            .get_or_init(|| {
                let api = api_service(self.public_url.as_deref());
                let raw = api.spec();
                let html = api.swagger_ui_html();
                assert!(
                    html.contains(&raw),
                    "Swagger UI embeds the spec verbatim (poem-openapi changed?)"
                );
                Bytes::from(html.replacen(&raw, self.text(), 1))
            })
            .clone()
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.text).expect("built from a String")
    }

    pub fn value(&self) -> &Value {
        &self.doc
    }

    /// `GET /api/openapi.json`.
    pub fn spec_endpoint(&self) -> impl Endpoint<Output = Response> + use<> {
        let text = self.text.clone();
        get(make_sync(move |_| {
            Response::builder()
                .content_type("application/json")
                .body(text.clone())
        }))
    }

    /// Swagger UI at `/docs` (and `/docs/`), showing this document.
    pub fn swagger_ui(self: &Arc<Self>) -> impl Endpoint<Output = Response> + use<> {
        let contract = self.clone();
        Route::new()
            .at(
                "/",
                get(make_sync(move |_| {
                    Response::builder()
                        .content_type("text/html; charset=utf-8")
                        .body(contract.docs_html())
                })),
            )
            .map_to_response()
    }

    /// The operation `method` on the spec path `template` (`/api/customers/{id}`).
    pub fn operation(&self, template: &str, method: &Method) -> Option<&Value> {
        self.doc["paths"]
            .get(template)?
            .get(method.as_str().to_ascii_lowercase())
    }

    /// The methods `template` answers, in a fixed order; `HEAD` wherever `GET` is (poem answers
    /// it). Empty when `template` is not a path of the spec.
    pub fn methods(&self, template: &str) -> Vec<Method> {
        let Some(item) = self.doc["paths"].get(template).and_then(Value::as_object) else {
            return Vec::new();
        };
        let declared = |m: &Method| item.contains_key(&m.as_str().to_ascii_lowercase());
        METHODS
            .iter()
            .filter(|m| declared(m) || (**m == Method::HEAD && declared(&Method::GET)))
            .cloned()
            .collect()
    }

    /// The JSON schema of the request body of `method template`, when it takes JSON.
    pub fn json_body_schema(&self, template: &str, method: &Method) -> Option<&Value> {
        let content = self.operation(template, method)?["requestBody"]["content"].as_object()?;
        content
            .iter()
            .find(|(media, _)| media.starts_with("application/json"))
            .map(|(_, m)| &m["schema"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rewritten(v: Value) -> Value {
        serde_json::from_str(&integrator_form(&v.to_string())).unwrap()
    }

    #[test]
    fn annotation_entries_fold_into_the_wrapper() {
        let tax = json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/TaxGrade"}, {"nullable": true}]});
        assert_eq!(
            rewritten(tax),
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/TaxGrade"}]})
        );
        let stage = json!({"allOf": [{"$ref": "#/components/schemas/Stage"}, {"default": "new"}]});
        assert_eq!(
            rewritten(stage),
            json!({"allOf": [{"$ref": "#/components/schemas/Stage"}], "default": "new"})
        );
    }

    #[test]
    fn a_wrapper_of_one_bare_reference_is_the_reference() {
        let v = json!({"items": {"allOf": [{"$ref": "#/components/schemas/X"}, {}]}});
        assert_eq!(
            rewritten(v),
            json!({"items": {"$ref": "#/components/schemas/X"}})
        );
    }

    #[test]
    fn real_compositions_are_left_alone() {
        let v = json!({"allOf": [{"$ref": "#/a"}, {"$ref": "#/b"}], "oneOf": [{"$ref": "#/c"}, {"type": "string", "nullable": true}]});
        assert_eq!(rewritten(v.clone()), v);
        let constrained = json!({"allOf": [{"$ref": "#/a"}, {"maxLength": 3}]});
        assert_eq!(rewritten(constrained.clone()), constrained);
    }

    #[test]
    fn key_order_survives_and_dates_are_standard() {
        let raw = r#"{"openapi":"3.0.0","info":{"title":"t"},"paths":{"/b":{},"/a":{}},"x":{"type":"string","format":"naive-date"}}"#;
        let out = integrator_form(raw);
        let keys: Vec<usize> = ["\"openapi\"", "\"info\"", "\"paths\"", "\"/b\"", "\"/a\""]
            .iter()
            .map(|k| out.find(k).unwrap())
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{out}");
        assert!(out.contains("\"format\": \"date\""), "{out}");
    }

    #[test]
    fn object_defaults_beside_a_reference_are_dropped_and_plain_defaults_kept() {
        let out = rewritten(json!({
            "policy": {"allOf": [{"$ref": "#/components/schemas/P"}], "default": {"a": 1}},
            "grade": {"allOf": [{"$ref": "#/components/schemas/G"}], "default": "B"},
            "count": {"type": "integer", "default": 3}
        }));
        assert_eq!(out["policy"], json!({"$ref": "#/components/schemas/P"}));
        assert_eq!(out["grade"]["default"], json!("B"));
        assert_eq!(out["count"]["default"], json!(3));
    }

    #[test]
    fn the_service_document_has_no_annotation_only_entries() {
        let api = crate::api::api_service(None);
        let c = Contract::new(&api, None);
        fn walk(v: &Value, path: &str) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::Array(all)) = m.get("allOf") {
                        for e in all.iter().filter_map(Value::as_object) {
                            assert!(
                                !e.keys().all(|k| ANNOTATIONS.contains(&k.as_str())),
                                "{path}: an annotation-only allOf entry in {v}"
                            );
                        }
                        assert!(
                            !m.get("default").is_some_and(Value::is_object),
                            "{path}: a model-valued default beside a reference in {v}"
                        );
                    }
                    m.iter().for_each(|(k, v)| walk(v, &format!("{path}/{k}")));
                }
                Value::Array(a) => a.iter().for_each(|v| walk(v, path)),
                _ => {}
            }
        }
        walk(c.value(), "");
        assert_eq!(c.text(), document(&api));
        let html_bytes = c.docs_html();
        let html = std::str::from_utf8(&html_bytes).unwrap();
        assert!(
            html.contains(c.text()),
            "Swagger UI shows the served document"
        );
        assert_eq!(
            c.methods("/api/customers/{id}"),
            [Method::GET, Method::HEAD, Method::PATCH, Method::DELETE]
        );
        assert!(c.methods("/health").is_empty());
        assert!(
            c.json_body_schema("/api/users", &Method::POST)
                .is_some_and(|s| s["$ref"] == "#/components/schemas/NewUserRequest")
        );
    }
}
