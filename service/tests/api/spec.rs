//! The spec describes what the service really sends: the rule set and the products (whose JSON is
//! serde's and whose schemas are derived from it) are checked against the spec's own schemas,
//! key by key, as the live API returns them.

use serde_json::Value;

use crate::helpers::*;

/// Checks `value` against `schema` (the subset of OpenAPI 3.0 the spec uses). Strict about keys:
/// a key the schema does not declare is an error, so nothing the service sends is undocumented.
fn check(spec: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        let target = &spec["components"]["schemas"][name];
        assert!(target.is_object(), "{path}: dangling reference {r}");
        return check(spec, target, value, path, errors);
    }
    if value.is_null() && schema["nullable"] == true {
        return;
    }
    // poem-openapi wraps a documented reference as `allOf: [{$ref}]` beside its description.
    if let Some(all) = schema["allOf"].as_array() {
        for part in all {
            check(spec, part, value, path, errors);
        }
        return;
    }
    if let Some(variants) = schema["oneOf"].as_array() {
        let property = schema["discriminator"]["propertyName"].as_str();
        let Some(property) = property else {
            errors.push(format!("{path}: oneOf without a discriminator"));
            return;
        };
        let kind = value[property].as_str().unwrap_or_default();
        match schema["discriminator"]["mapping"][kind].as_str() {
            Some(target) => {
                assert!(
                    variants.iter().any(|v| v["$ref"] == target),
                    "{path}: the mapping names a schema outside oneOf"
                );
                let variant = serde_json::json!({ "$ref": target });
                check(spec, &variant, value, path, errors);
            }
            None => errors.push(format!("{path}: {property} {kind:?} is not in the mapping")),
        }
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
    match schema["type"].as_str() {
        Some("object") => {
            let Some(obj) = value.as_object() else {
                return errors.push(format!("{path}: expected an object, got {value}"));
            };
            for key in schema["required"].as_array().into_iter().flatten() {
                let key = key.as_str().unwrap();
                if !obj.contains_key(key) {
                    errors.push(format!("{path}: required {key} is missing"));
                }
            }
            for (key, v) in obj {
                let sub = format!("{path}.{key}");
                match (
                    schema["properties"].get(key),
                    schema.get("additionalProperties"),
                ) {
                    (Some(s), _) => check(spec, s, v, &sub, errors),
                    (None, Some(s)) if s.is_object() => check(spec, s, v, &sub, errors),
                    (None, _) => errors.push(format!("{sub}: not declared in the schema")),
                }
            }
        }
        Some("array") => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check(
                        spec,
                        &schema["items"],
                        item,
                        &format!("{path}[{i}]"),
                        errors,
                    );
                }
            }
            None => errors.push(format!("{path}: expected an array, got {value}")),
        },
        Some("string") if !value.is_string() => {
            errors.push(format!("{path}: expected a string, got {value}"))
        }
        Some("integer") if !(value.is_i64() || value.is_u64()) => {
            errors.push(format!("{path}: expected an integer, got {value}"))
        }
        Some("number") if !value.is_number() => {
            errors.push(format!("{path}: expected a number, got {value}"))
        }
        Some("boolean") if !value.is_boolean() => {
            errors.push(format!("{path}: expected a boolean, got {value}"))
        }
        _ => {}
    }
}

fn response_schema<'a>(spec: &'a Value, path: &str, method: &str, status: &str) -> &'a Value {
    let schema = &spec["paths"][path][method]["responses"][status]["content"]["application/json; charset=utf-8"]
        ["schema"];
    assert!(schema.is_object(), "{method} {path} {status} has a schema");
    schema
}

#[tokio::test]
async fn the_rules_and_products_the_api_returns_match_their_schemas_in_the_spec() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let spec = json_of(
        app.request(reqwest::Method::GET, "/api/openapi.json", None, None)
            .await,
    )
    .await;
    let mut errors = vec![];
    let rules = json_of(app.get("/api/rules", &admin).await).await;
    let schema = response_schema(&spec, "/api/rules", "get", "200");
    check(&spec, schema, &rules, "rules", &mut errors);
    let products = json_of(app.get("/api/products", &admin).await).await;
    assert!(products.as_array().unwrap().len() >= 5);
    let schema = response_schema(&spec, "/api/products", "get", "200");
    check(&spec, schema, &products, "products", &mut errors);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The schemas are real ones, not "any JSON".
    let s = &spec["components"]["schemas"];
    let rules_ref = &s["RulesDoc"]["properties"]["rules"];
    assert_eq!(
        rules_ref["allOf"][0]["$ref"], "#/components/schemas/RuleSet",
        "{rules_ref}"
    );
    assert_eq!(s["Gate"]["discriminator"]["propertyName"], "kind");
    assert_eq!(
        s["Gate"]["discriminator"]["mapping"]["max_inquiries"],
        "#/components/schemas/GateMaxInquiries"
    );
    assert_eq!(s["Trigger"]["discriminator"]["propertyName"], "kind");
    let body = &spec["paths"]["/api/products"]["post"]["requestBody"]["content"]["application/json; charset=utf-8"]
        ["schema"];
    assert_eq!(body["$ref"], "#/components/schemas/Product");
}

#[tokio::test]
async fn the_checker_refuses_what_the_schemas_do_not_describe() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let spec = json_of(
        app.request(reqwest::Method::GET, "/api/openapi.json", None, None)
            .await,
    )
    .await;
    let mut products = json_of(app.get("/api/products", &admin).await).await;
    products[0]["product"]["gates"][0]["months"] = serde_json::json!("two years");
    products[0]["product"]["undocumented"] = serde_json::json!(1);
    products[1]["product"]["gates"][0]["kind"] = serde_json::json!("no_such_gate");
    let mut errors = vec![];
    let schema = response_schema(&spec, "/api/products", "get", "200");
    check(&spec, schema, &products, "products", &mut errors);
    let text = errors.join("\n");
    assert!(
        text.contains("gates[0].months: expected an integer"),
        "{text}"
    );
    assert!(text.contains("undocumented: not declared"), "{text}");
    assert!(
        text.contains("\"no_such_gate\" is not in the mapping"),
        "{text}"
    );
}

/// Follows a `201 Created`'s `Location` and returns the resource found there.
async fn created(app: &TestApp, token: &str, resp: reqwest::Response) -> (String, Value) {
    let status = resp.status();
    let location = resp.headers().get("location").cloned();
    let body = json_of(resp).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
    let location = location.unwrap().to_str().unwrap().to_string();
    let there = app.get(&location, token).await;
    assert_eq!(there.status(), reqwest::StatusCode::OK, "GET {location}");
    let found = json_of(there).await;
    if body.is_object() {
        assert_eq!(
            found["id"], body["id"],
            "{location} is the created resource"
        );
    }
    (location, found)
}

#[tokio::test]
async fn creating_posts_answer_201_with_the_new_resources_location() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let customer = app
        .create_customer(
            &admin,
            serde_json::json!({
                "name": "位置测试公司", "established_on": "2018-01-01", "legal_person_age": 45,
                "annual_invoice_wan": 300, "invoice_gap_months": 0, "annual_tax_wan": 2,
                "tax_grade": "B", "monthly_flow_wan": 25, "industry": "批发业", "loan_demand_wan": 50
            }),
        )
        .await;
    let id = &customer["id"];

    let (location, diagnosis) = created(
        &app,
        &admin,
        app.post(
            &format!("/api/customers/{id}/diagnoses"),
            &admin,
            serde_json::json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(location, format!("/api/diagnoses/{}", diagnosis["id"]));

    let plans = app
        .post(
            &format!("/api/diagnoses/{}/plans", diagnosis["id"]),
            &admin,
            serde_json::json!({}),
        )
        .await;
    let (location, listed) = created(&app, &admin, plans).await;
    assert_eq!(location, format!("/api/customers/{id}/plans"));
    assert!(!listed.as_array().unwrap().is_empty());

    let provider = app
        .post(
            "/api/providers",
            &admin,
            serde_json::json!({"name": "位置服务商", "category": "legal"}),
        )
        .await;
    let (location, provider) = created(&app, &admin, provider).await;
    assert_eq!(location, format!("/api/providers/{}", provider["id"]));

    let mut product = json_of(app.get("/api/products/1", &admin).await).await["product"].clone();
    product["id"] = serde_json::json!("location_test");
    let product = app.post("/api/products", &admin, product).await;
    let (location, product) = created(&app, &admin, product).await;
    assert_eq!(location, format!("/api/products/{}", product["id"]));
    assert_eq!(product["product"]["id"], "location_test");

    let user = app
        .post(
            "/api/users",
            &admin,
            serde_json::json!({"username": "location", "display_name": "位置", "role": "staff", "password": "Location-Passw0rd-1"}),
        )
        .await;
    assert_eq!(user.status(), reqwest::StatusCode::CREATED);
    let location = location_of(&user);
    assert_eq!(
        location,
        format!("/api/users/{}", json_of(user).await["id"])
    );
}
