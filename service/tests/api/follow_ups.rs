//! Follow-ups (跟进记录): recording, validation, the due lists in which overdue items stay until
//! done, who may read whose list, the audit, the timeline and the daily digest through a robot.

use std::time::Duration;

use chrono::{FixedOffset, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn hours_from_now(h: i64) -> String {
    rfc3339(Utc::now() + chrono::Duration::hours(h))
}

/// A moment later today on the brokers' clock (UTC+8), however late it is now.
fn later_today() -> String {
    let zone = FixedOffset::east_opt(8 * 3600).unwrap();
    let now = Utc::now();
    let midnight = (now.with_timezone(&zone).date_naive() + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(zone)
        .unwrap()
        .with_timezone(&Utc);
    rfc3339(now + (midnight - now) / 2)
}

async fn user_id(app: &TestApp, token: &str) -> i64 {
    json_of(app.get("/api/auth/me", token).await).await["id"]
        .as_i64()
        .unwrap()
}

async fn follow_up(app: &TestApp, token: &str, customer: &Value, body: Value) -> Value {
    let resp = app
        .post(
            &format!("/api/customers/{}/follow-ups", customer["id"]),
            token,
            body,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED, "follow-up created");
    assert!(location_of(&resp).starts_with("/api/follow-ups/"));
    json_of(resp).await
}

async fn due(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let resp = app
        .get(&format!("/api/follow-ups/due?{query}"), token)
        .await;
    assert_eq!(resp.status(), StatusCode::OK, "due {query}");
    json_of(resp).await["items"].as_array().unwrap().clone()
}

fn contents(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|i| i["content"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn follow_ups_are_recorded_validated_and_audited() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let customer = app
        .create_customer(&admin, json!({"name": "跟进测试有限公司"}))
        .await;
    assert_eq!(customer["stage"], "new");
    let path = format!("/api/customers/{}/follow-ups", customer["id"]);

    let saved = follow_up(
        &app,
        &admin,
        &customer,
        json!({"channel": "phone", "content": "电话沟通税贷需求", "result": "客户有意向",
               "next_contact_at": hours_from_now(24)}),
    )
    .await;
    assert_eq!(saved["channel"], "phone");
    assert_eq!(saved["done"], false);
    assert_eq!(saved["overdue"], false);
    assert_eq!(saved["customer_name"], "跟进测试有限公司");
    // No owner on the customer: the one who recorded it makes the next contact.
    assert_eq!(saved["assignee_id"], user_id(&app, &admin).await);
    // A first contact moves a new customer on in the pipeline.
    let c = json_of(
        app.get(&format!("/api/customers/{}", customer["id"]), &admin)
            .await,
    )
    .await;
    assert_eq!(c["stage"], "contacted");

    let long = "长".repeat(2001);
    let bad = [
        (json!({"channel": "fax", "content": "x"}), "channel"),
        (json!({"channel": "phone", "content": "  "}), "content"),
        (json!({"channel": "phone", "content": long}), "content"),
        (
            json!({"channel": "phone", "content": "x", "result": "果".repeat(501)}),
            "result",
        ),
        (
            json!({"channel": "phone", "content": "x", "contacted_at": hours_from_now(5)}),
            "contacted_at",
        ),
        (
            json!({"channel": "phone", "content": "x", "contacted_at": hours_from_now(-2),
                   "next_contact_at": hours_from_now(-3)}),
            "next_contact_at",
        ),
        (
            json!({"channel": "phone", "content": "x", "next_contact_at": "明天"}),
            "next_contact_at",
        ),
        (
            json!({"channel": "phone", "content": "x", "assignee_id": 999}),
            "assignee_id",
        ),
    ];
    for (body, field) in bad {
        assert_error(
            app.post(&path, &admin, body.clone()).await,
            StatusCode::BAD_REQUEST,
            Some(field),
        )
        .await;
    }
    assert_error(
        app.post(
            "/api/customers/999/follow-ups",
            &admin,
            json!({"channel": "phone", "content": "x"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
    let list = json_of(app.get(&path, &admin).await).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "refused ones wrote nothing"
    );

    // Changing it: done, then open again; null clears the plan; bad values are refused.
    let one = format!("/api/follow-ups/{}", saved["id"]);
    let done = json_of(app.patch(&one, &admin, json!({"done": true})).await).await;
    assert_eq!(done["done"], true);
    assert!(done["done_at"].is_string());
    let reopened = json_of(
        app.patch(
            &one,
            &admin,
            json!({"done": false, "next_contact_at": null}),
        )
        .await,
    )
    .await;
    assert_eq!(reopened["done"], false);
    assert_eq!(reopened["next_contact_at"], Value::Null);
    assert_error(
        app.patch(&one, &admin, json!({"content": ""})).await,
        StatusCode::BAD_REQUEST,
        Some("content"),
    )
    .await;
    assert_error(
        app.patch("/api/follow-ups/999", &admin, json!({"done": true}))
            .await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;

    let entries = app.audit(&admin, "action=follow_up.&page_size=100").await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["follow_up.update", "follow_up.update", "follow_up.create"]
    );
    assert!(entries.iter().all(|e| e["resource_type"] == "follow_up"
        && e["resource_id"].as_str() == Some(saved["id"].to_string().as_str())));

    // The customer's timeline shows the contact.
    let timeline = json_of(
        app.get(
            &format!("/api/customers/{}/timeline", customer["id"]),
            &admin,
        )
        .await,
    )
    .await;
    let entry = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "follow_up")
        .expect("a follow-up in the timeline");
    assert!(entry["title"].as_str().unwrap().starts_with("电话跟进"));
    assert!(
        entry["detail"]
            .as_str()
            .unwrap()
            .contains("电话沟通税贷需求")
    );

    // A customer in the recycle bin takes no follow-ups and shows none.
    let deleted = app
        .delete(&format!("/api/customers/{}", customer["id"]), &admin)
        .await;
    assert!(deleted.status().is_success());
    assert_error(
        app.post(&path, &admin, json!({"channel": "phone", "content": "x"}))
            .await,
        StatusCode::BAD_REQUEST,
        None,
    )
    .await;
    assert_error(app.get(&path, &admin).await, StatusCode::BAD_REQUEST, None).await;
}

#[tokio::test]
async fn overdue_follow_ups_stay_until_done_and_each_reads_their_own_list() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let staff = app.staff_token_all(&admin, "fu-staff").await;
    let staff_id = user_id(&app, &staff).await;
    let customer = app
        .create_customer(&admin, json!({"name": "逾期测试公司"}))
        .await;
    let theirs = app
        .create_customer(
            &admin,
            json!({"name": "业务员的客户", "owner_id": staff_id}),
        )
        .await;

    let plan = |content: &str, contacted: i64, next: String| {
        json!({"channel": "wechat", "content": content,
               "contacted_at": hours_from_now(contacted), "next_contact_at": next})
    };
    let missed = follow_up(
        &app,
        &admin,
        &customer,
        plan("五天前就该回访", -240, hours_from_now(-120)),
    )
    .await;
    follow_up(
        &app,
        &admin,
        &customer,
        plan("今天晚些时候", -1, later_today()),
    )
    .await;
    follow_up(
        &app,
        &admin,
        &customer,
        plan("三天后", -1, hours_from_now(72)),
    )
    .await;
    follow_up(
        &app,
        &admin,
        &customer,
        plan("十天后", -1, hours_from_now(240)),
    )
    .await;
    let finished = follow_up(
        &app,
        &admin,
        &customer,
        plan("已完成的逾期", -100, hours_from_now(-50)),
    )
    .await;
    app.patch(
        &format!("/api/follow-ups/{}", finished["id"]),
        &admin,
        json!({"done": true}),
    )
    .await;
    // The staff member's customer: assigned to its owner by default.
    let staffs = follow_up(
        &app,
        &admin,
        &theirs,
        plan("业务员的逾期", -48, hours_from_now(-24)),
    )
    .await;
    assert_eq!(staffs["assignee_id"], staff_id);

    assert_eq!(
        contents(&due(&app, &admin, "when=overdue").await),
        ["五天前就该回访"]
    );
    let today = due(&app, &admin, "when=today").await;
    assert_eq!(contents(&today), ["五天前就该回访", "今天晚些时候"]);
    assert_eq!(today[0]["overdue"], true);
    assert_eq!(today[1]["overdue"], false);
    assert_eq!(
        contents(&due(&app, &admin, "when=week").await),
        ["五天前就该回访", "今天晚些时候", "三天后"]
    );
    assert_eq!(
        contents(&due(&app, &admin, "").await),
        ["五天前就该回访", "今天晚些时候"],
        "today is the default"
    );
    let counts = json_of(app.get("/api/follow-ups/counts", &admin).await).await;
    assert_eq!(counts, json!({"overdue": 1, "today": 2, "week": 3}));

    // Overdue stays until done, then leaves every list; reopened, it is back.
    let one = format!("/api/follow-ups/{}", missed["id"]);
    app.patch(&one, &admin, json!({"done": true})).await;
    assert!(due(&app, &admin, "when=overdue").await.is_empty());
    assert_eq!(
        contents(&due(&app, &admin, "when=week").await),
        ["今天晚些时候", "三天后"]
    );
    app.patch(&one, &admin, json!({"done": false})).await;
    assert_eq!(
        contents(&due(&app, &admin, "when=overdue").await),
        ["五天前就该回访"]
    );

    // Staff read their own list; only admins read another's.
    assert_eq!(
        contents(&due(&app, &staff, "when=today").await),
        ["业务员的逾期"]
    );
    assert_error(
        app.get("/api/follow-ups/due?assignee_id=1", &staff).await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;
    assert_error(
        app.get("/api/follow-ups/counts?assignee_id=1", &staff)
            .await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;
    assert_eq!(
        contents(
            &due(
                &app,
                &admin,
                &format!("when=overdue&assignee_id={staff_id}")
            )
            .await
        ),
        ["业务员的逾期"]
    );
    assert_error(
        app.get("/api/follow-ups/due?when=yesterday", &admin).await,
        StatusCode::BAD_REQUEST,
        Some("when"),
    )
    .await;

    // Reassigning moves it to the other list.
    app.patch(&one, &admin, json!({"assignee_id": staff_id}))
        .await;
    assert_eq!(
        contents(&due(&app, &staff, "when=overdue").await),
        ["五天前就该回访", "业务员的逾期"]
    );

    // A customer in the recycle bin leaves the lists; restored, its follow-ups return.
    app.delete(&format!("/api/customers/{}", theirs["id"]), &admin)
        .await;
    assert_eq!(
        contents(&due(&app, &staff, "when=overdue").await),
        ["五天前就该回访"]
    );
    let restored = app
        .post(
            &format!("/api/customers/{}/restore", theirs["id"]),
            &admin,
            json!({}),
        )
        .await;
    assert!(restored.status().is_success());
    assert_eq!(due(&app, &staff, "when=overdue").await.len(), 2);
}

async fn posts_after(seen: &std::sync::Arc<std::sync::Mutex<Vec<Value>>>, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        if seen.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen.lock().unwrap().clone()
}

#[tokio::test]
async fn the_daily_digest_goes_out_once_a_day_through_the_robot() {
    let app = spawn_with(|s| s.follow_up_digest_check_secs = 1).await;
    let admin = app.admin_token().await;
    let staff = app.staff_token(&admin, "digest-staff").await;
    let staff_id = user_id(&app, &staff).await;
    let (hook, seen) = webhook_receiver().await;

    assert_error(
        app.patch("/api/follow-up-digest", &admin, json!({"enabled": true}))
            .await,
        StatusCode::BAD_REQUEST,
        Some("webhook_url"),
    )
    .await;
    for (body, field) in [
        (json!({"webhook_url": "ftp://robot"}), "webhook_url"),
        (json!({"webhook_url": "https://a b"}), "webhook_url"),
        (json!({"hour": 24}), "hour"),
        (json!({"webhook_format": "qq"}), "webhook_format"),
        (json!({"muted_user_ids": [999]}), "muted_user_ids"),
    ] {
        assert_error(
            app.patch("/api/follow-up-digest", &admin, body).await,
            StatusCode::BAD_REQUEST,
            Some(field),
        )
        .await;
    }

    let customer = app
        .create_customer(&admin, json!({"name": "提醒测试公司"}))
        .await;
    follow_up(
        &app,
        &admin,
        &customer,
        json!({"channel": "visit", "content": "上门核实经营场所", "contacted_at": hours_from_now(-72),
               "next_contact_at": hours_from_now(-48)}),
    )
    .await;
    // The staff member has nothing due: no message for them.
    let settings = json_of(
        app.patch(
            "/api/follow-up-digest",
            &admin,
            json!({"enabled": true, "hour": 0, "webhook_format": "feishu", "webhook_url": hook}),
        )
        .await,
    )
    .await;
    assert_eq!(settings["enabled"], true);
    assert_eq!(settings["webhook_set"], true);
    let host = hook.split('/').nth(2).unwrap();
    assert_eq!(settings["webhook_host"], host);
    assert!(
        !settings.to_string().contains("/hook"),
        "the robot's path is never shown"
    );

    let posts = posts_after(&seen, 1).await;
    assert_eq!(posts.len(), 1, "one digest: {posts:?}");
    let text = posts[0]["content"]["text"].as_str().unwrap();
    assert!(text.contains("已逾期 1 条"), "{text}");
    assert!(text.contains("提醒测试公司：上门核实经营场所"), "{text}");
    // Several more checks pass: the day's digest is not sent again.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(seen.lock().unwrap().len(), 1, "sent once a day");

    // The test message goes out on demand and marks nothing.
    let test = app
        .post("/api/follow-up-digest/test", &admin, json!({}))
        .await;
    assert_eq!(test.status(), StatusCode::OK);
    assert!(
        json_of(test).await["text"]
            .as_str()
            .unwrap()
            .contains("提醒测试公司")
    );
    assert_eq!(posts_after(&seen, 2).await.len(), 2);

    // The audit keeps the switch but never the robot's address.
    let entries = app.audit(&admin, "action=follow_up_digest.update").await;
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| !e.to_string().contains("/hook")));

    // A muted user gets nothing, even with something due.
    app.patch(
        "/api/follow-up-digest",
        &admin,
        json!({"muted_user_ids": [staff_id]}),
    )
    .await;
    let theirs = app
        .create_customer(&admin, json!({"name": "静音客户", "owner_id": staff_id}))
        .await;
    follow_up(
        &app,
        &admin,
        &theirs,
        json!({"channel": "phone", "content": "x", "contacted_at": hours_from_now(-5),
               "next_contact_at": hours_from_now(-4)}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "muted: {:?}",
        seen.lock().unwrap()
    );

    // Switched off, a robot that fails makes the test call a clear 400.
    let off = json_of(
        app.patch(
            "/api/follow-up-digest",
            &admin,
            json!({"enabled": false, "webhook_url": "http://127.0.0.1:9/hook"}),
        )
        .await,
    )
    .await;
    assert_eq!(off["enabled"], false);
    assert_error(
        app.post("/api/follow-up-digest/test", &admin, json!({}))
            .await,
        StatusCode::BAD_REQUEST,
        None,
    )
    .await;
}
