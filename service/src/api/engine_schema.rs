//! The engine's rule set and products in the spec. Their JSON is serde's (what the engine parses
//! and stores); their schemas are derived from the same serde attributes by `schemars`, and
//! converted here into the spec's components: one source of truth for the format, so the schema
//! cannot drift from what is sent and accepted. Tagged enums (`Gate`, `Trigger`,
//! `AmountFormula`) become `oneOf` with a `kind` discriminator. Bodies are not parsed by the
//! spec: a body that breaks it still reaches the engine's checks, whose errors name each
//! offending path in Chinese (422).

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::LazyLock;

use poem_openapi::registry::{MetaDiscriminatorObject, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, ParseResult, ToJSON, Type};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::Value;

use crate::domain::engine::{Product, RuleSet};
use crate::domain::vocab::{
    BusinessStatus, CollateralKind, Dimension, IndustryClass, PlanKind, ProductFamily,
    ProviderCategory, RepaymentMethod, TaxGrade, Vocabulary,
};

/// The vocabularies are poem-openapi enums already: schemars refers to them by the same name,
/// and the spec keeps poem-openapi's definition.
macro_rules! vocabularies {
    ($($t:ident),+ $(,)?) => {
        $(
            impl JsonSchema for $t {
                fn schema_name() -> Cow<'static, str> {
                    <$t as Vocabulary>::NAME.into()
                }

                fn json_schema(_: &mut SchemaGenerator) -> Schema {
                    let codes: Vec<&str> = $t::ALL.iter().map(|v| v.code()).collect();
                    json_schema!({ "type": "string", "enum": codes })
                }
            }
        )+

        const VOCABULARIES: &[(&str, fn(&mut Registry))] = &[
            $((<$t as Vocabulary>::NAME, <$t as Type>::register)),+
        ];
    };
}

vocabularies!(
    TaxGrade,
    BusinessStatus,
    CollateralKind,
    Dimension,
    IndustryClass,
    PlanKind,
    ProductFamily,
    ProviderCategory,
    RepaymentMethod,
);

/// The marker every converted schema is registered under (poem-openapi refuses a second type
/// with the same name: a clash with a poem-openapi schema panics when the spec is built).
struct EngineSchema;

/// The converted components, built once: the spec takes `&'static str` names.
static COMPONENTS: LazyLock<Vec<(String, MetaSchema)>> = LazyLock::new(|| {
    let mut generator = SchemaGenerator::new(SchemaSettings::openapi3());
    generator.subschema_for::<RuleSet>();
    generator.subschema_for::<Product>();
    let mut out = vec![];
    for (name, schema) in generator.take_definitions(true) {
        if VOCABULARIES.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let schema = discriminated(&name, &schema, &mut out).unwrap_or_else(|| meta(&schema));
        out.push((name, schema));
    }
    out
});

fn register(registry: &mut Registry) {
    for (_, register) in VOCABULARIES {
        register(registry);
    }
    for (name, schema) in COMPONENTS.iter() {
        registry.create_schema::<EngineSchema, _>(name.clone(), |_| schema.clone());
    }
}

fn leak(s: &str) -> &'static str {
    // Called only while building COMPONENTS, once per process.
    Box::leak(s.to_string().into_boxed_str())
}

/// `{ "$ref": "#/components/schemas/X" }` → a reference; anything else inline.
fn reference(v: &Value) -> MetaSchemaRef {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            MetaSchemaRef::Reference(r.trim_start_matches("#/components/schemas/").to_string())
        }
        None => MetaSchemaRef::Inline(Box::new(meta(v))),
    }
}

fn meta(v: &Value) -> MetaSchema {
    let obj = v.as_object().cloned().unwrap_or_default();
    let text = |key: &str| obj.get(key).and_then(Value::as_str).map(leak);
    let number = |key: &str| obj.get(key).and_then(Value::as_f64);
    let list = |key: &str| -> Vec<MetaSchemaRef> {
        obj.get(key)
            .and_then(Value::as_array)
            .map(|items| items.iter().map(reference).collect())
            .unwrap_or_default()
    };
    let properties = obj
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| props.iter().map(|(k, v)| (leak(k), reference(v))).collect())
        .unwrap_or_default();
    let required = obj
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).map(leak).collect())
        .unwrap_or_default();
    MetaSchema {
        ty: text("type").unwrap_or(""),
        format: text("format"),
        title: text("title").map(str::to_string),
        description: text("description"),
        default: obj.get("default").cloned(),
        required,
        properties,
        items: obj.get("items").map(|i| Box::new(reference(i))),
        additional_properties: obj
            .get("additionalProperties")
            .filter(|a| a.is_object())
            .map(|a| Box::new(reference(a))),
        enum_items: obj
            .get("enum")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        nullable: obj.get("nullable").and_then(Value::as_bool) == Some(true),
        one_of: list("oneOf"),
        any_of: list("anyOf"),
        all_of: list("allOf"),
        minimum: number("minimum"),
        maximum: number("maximum"),
        ..MetaSchema::ANY
    }
}

/// An internally tagged enum (`#[serde(tag = "kind")]`): every variant becomes a component of
/// its own (`Gate` + `min_company_age_months` → `GateMinCompanyAgeMonths`), the enum a `oneOf`
/// of them with a `kind` discriminator (generators need references to build the union).
fn discriminated(
    name: &str,
    schema: &Value,
    out: &mut Vec<(String, MetaSchema)>,
) -> Option<MetaSchema> {
    let variants = schema.get("oneOf")?.as_array()?;
    let kinds: Vec<&str> = variants
        .iter()
        .map(|v| {
            let kind = v.pointer("/properties/kind/enum")?.as_array()?;
            match kind.as_slice() {
                [Value::String(k)] => Some(k.as_str()),
                _ => None,
            }
        })
        .collect::<Option<_>>()?;
    let mut one_of = vec![];
    let mut mapping = vec![];
    for (variant, kind) in variants.iter().zip(kinds) {
        let component = format!("{name}{}", pascal(kind));
        let mut variant = variant.clone();
        if let Some(Value::Object(props)) = variant.get_mut("properties") {
            // The discriminator's value, spelled out for generators and readers.
            props.insert(
                "kind".into(),
                serde_json::json!({"type": "string", "enum": [kind]}),
            );
        }
        out.push((component.clone(), meta(&variant)));
        mapping.push((
            kind.to_string(),
            format!("#/components/schemas/{component}"),
        ));
        one_of.push(MetaSchemaRef::Reference(component));
    }
    Some(MetaSchema {
        ty: "object",
        description: schema.get("description").and_then(Value::as_str).map(leak),
        one_of,
        discriminator: Some(MetaDiscriminatorObject {
            property_name: "kind",
            mapping,
        }),
        ..MetaSchema::ANY
    })
}

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A rule set or product as JSON, documented with its real schema. Parsing accepts any JSON so
/// that the engine's own checks judge it (and name the offending paths).
pub struct EngineJson<T> {
    value: Value,
    of: PhantomData<fn() -> T>,
}

impl<T: serde::Serialize> EngineJson<T> {
    pub fn of(value: &T) -> Self {
        Self {
            value: serde_json::to_value(value).unwrap_or_default(),
            of: PhantomData,
        }
    }
}

impl<T> EngineJson<T> {
    pub fn json(&self) -> &Value {
        &self.value
    }
}

impl<T: JsonSchema> Type for EngineJson<T> {
    const IS_REQUIRED: bool = true;
    type RawValueType = Value;
    type RawElementValueType = Value;

    fn name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Reference(T::schema_name().into_owned())
    }

    fn register(registry: &mut Registry) {
        register(registry);
    }

    fn as_raw_value(&self) -> Option<&Value> {
        Some(&self.value)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Value> + 'a> {
        Box::new(std::iter::once(&self.value))
    }
}

impl<T: JsonSchema> ParseFromJSON for EngineJson<T> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        Ok(Self {
            value: value.unwrap_or_default(),
            of: PhantomData,
        })
    }
}

impl<T: JsonSchema> ToJSON for EngineJson<T> {
    fn to_json(&self) -> Option<Value> {
        Some(self.value.clone())
    }
}
