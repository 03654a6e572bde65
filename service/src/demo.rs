//! Deterministic, realistic demo customers for `make run` and benchmarks.

use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;

use crate::db::{consents, customers};
use crate::domain::consents::Terms;
use crate::domain::customer::{
    BusinessStatus, Collateral, CollateralKind, CustomerInput, Stage, TaxGrade,
};
use crate::domain::uscc;
use crate::domain::vocab::{ConsentData, ConsentMethod, ConsentPurpose};

const CITIES: [(&str, &str); 10] = [
    ("北京", "110108"),
    ("上海", "310115"),
    ("深圳", "440300"),
    ("杭州", "330106"),
    ("成都", "510107"),
    ("武汉", "420106"),
    ("苏州", "320505"),
    ("厦门", "350203"),
    ("长沙", "430104"),
    ("西安", "610113"),
];
const NAMES: [&str; 24] = [
    "华信", "鼎盛", "恒通", "瑞丰", "金桥", "宏远", "泰和", "嘉禾", "永兴", "博达", "正邦", "天成",
    "汇智", "中科", "锦程", "福满", "盛世", "新航", "万达", "凯旋", "海纳", "宏图", "德润", "星辰",
];
/// (industry, business word, main business)
const TRADES: [(&str, &str, &str); 10] = [
    ("软件和信息技术服务业", "科技", "软件开发与系统集成"),
    ("批发业", "贸易", "五金建材批发"),
    ("零售业", "商贸", "日用百货零售"),
    ("通用设备制造业", "机械制造", "数控机床零部件加工"),
    ("餐饮业", "餐饮管理", "连锁餐饮"),
    ("道路运输业", "物流", "城配物流与仓储"),
    ("建筑装饰业", "装饰工程", "室内装修工程"),
    ("农副食品加工业", "食品", "粮油加工"),
    ("房地产业", "置业", "房地产开发"),
    ("商务服务业", "咨询", "企业管理咨询"),
];
const SURNAMES: [&str; 16] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
];
const GIVEN: [&str; 16] = [
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞",
];
const ORG_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn person(rng: &mut StdRng) -> String {
    format!(
        "{}{}{}",
        SURNAMES.choose(rng).unwrap(),
        GIVEN.choose(rng).unwrap(),
        if rng.random_bool(0.5) {
            *GIVEN.choose(rng).unwrap()
        } else {
            ""
        }
    )
}

fn wan(rng: &mut StdRng, lo: f64, hi: f64) -> f64 {
    (rng.random_range(lo..hi) * 100.0).round() / 100.0
}

/// One customer; `i` keeps names and 统一社会信用代码 unique.
#[allow(clippy::needless_update)]
pub fn customer(rng: &mut StdRng, i: u64, today: NaiveDate) -> CustomerInput {
    let (city, region) = *CITIES.choose(rng).unwrap();
    let (industry, word, main) = *TRADES.choose(rng).unwrap();
    let name = format!(
        "{city}{}{word}有限公司{}",
        NAMES.choose(rng).unwrap(),
        if i >= 24 * 10 {
            format!("（{i}）")
        } else {
            String::new()
        }
    );
    let org = format!(
        "{:08}{}",
        i % 100_000_000,
        ORG_CHARS[rng.random_range(0..ORG_CHARS.len())] as char
    );
    let first17 = format!("91{region}{org}");
    let code = format!(
        "{first17}{}",
        uscc::check_char(&first17).expect("valid charset")
    );
    let strong = rng.random_bool(0.5);
    let invoice = wan(rng, 30.0, if strong { 5000.0 } else { 600.0 });
    let tax_rate = rng.random_range(0.005..0.04);
    let overdue = rng.random_bool(0.06);
    let inquiries_1m = rng.random_range(0..4);
    let inquiries_3m = inquiries_1m + rng.random_range(0..4);
    let mut collaterals = vec![];
    if rng.random_bool(0.35) {
        let appraisal = wan(rng, 80.0, 1200.0);
        collaterals.push(Collateral {
            kind: *[
                CollateralKind::Residential,
                CollateralKind::Commercial,
                CollateralKind::Industrial,
            ]
            .choose(rng)
            .unwrap(),
            description: Some(format!("{city}市房产")),
            appraisal_wan: Some(appraisal),
            lien_wan: Some(if rng.random_bool(0.3) {
                (appraisal * 0.3).round()
            } else {
                0.0
            }),
            held_since: Some(today - Duration::days(rng.random_range(200..4000))),
        });
    }
    let known = |rng: &mut StdRng, p: f64| rng.random_bool(p);
    CustomerInput {
        name,
        uscc: Some(code),
        established_on: Some(today - Duration::days(rng.random_range(150..6000))),
        reg_capital_wan: Some([50.0, 100.0, 200.0, 500.0, 1000.0][rng.random_range(0..5)]),
        legal_person: Some(person(rng)),
        legal_person_age: Some(rng.random_range(24..66)),
        annual_invoice_wan: Some(invoice),
        invoice_gap_months: Some(if rng.random_bool(0.8) {
            0
        } else {
            rng.random_range(1..6)
        }),
        annual_tax_wan: known(rng, 0.9).then(|| (invoice * tax_rate * 100.0).round() / 100.0),
        tax_grade: Some(
            *[
                TaxGrade::A,
                TaxGrade::B,
                TaxGrade::B,
                TaxGrade::M,
                TaxGrade::C,
                TaxGrade::Unknown,
            ]
            .choose(rng)
            .unwrap(),
        ),
        monthly_flow_wan: known(rng, 0.85)
            .then(|| (invoice / 12.0 * rng.random_range(0.6..1.3) * 100.0).round() / 100.0),
        current_overdue: Some(overdue),
        overdue_count_24m: Some(if overdue {
            rng.random_range(1..5)
        } else {
            rng.random_range(0..2)
        }),
        lian3lei6_24m: Some(rng.random_bool(0.04)),
        severe_record_5y: Some(rng.random_bool(0.02)),
        inquiries_1m: Some(inquiries_1m),
        inquiries_3m: Some(inquiries_3m),
        inquiries_6m: Some(inquiries_3m + rng.random_range(0..5)),
        card_utilization_pct: known(rng, 0.8).then(|| f64::from(rng.random_range(5..95))),
        credit_institutions: Some(rng.random_range(0..6)),
        business_loan_count: Some(rng.random_range(0..4)),
        business_loan_balance_wan: Some(wan(rng, 0.0, 300.0)),
        dishonest_debtor: Some(rng.random_bool(0.02)),
        business_status: Some(if rng.random_bool(0.97) {
            BusinessStatus::Normal
        } else {
            BusinessStatus::Abnormal
        }),
        main_business: Some(main.into()),
        industry: Some(industry.into()),
        loan_demand_wan: Some([30.0, 50.0, 100.0, 200.0, 300.0, 500.0][rng.random_range(0..6)]),
        collaterals,
        contact_name: Some(person(rng)),
        contact_phone: Some(format!(
            "1{}{:08}",
            [3, 5, 8][rng.random_range(0..3)],
            rng.random_range(0..100_000_000)
        )),
        owner_id: None,
        stage: *[
            Stage::New,
            Stage::New,
            Stage::Contacted,
            Stage::Diagnosed,
            Stage::Improving,
            Stage::Applying,
            Stage::Approved,
            Stage::Lost,
        ]
        .choose(rng)
        .unwrap(),
        notes: None,
        // A fact added to the catalogue stays unknown in demo data until it is generated here.
        ..Default::default()
    }
}

/// The consent every demo customer signed on paper a week ago: all purposes, all data.
pub fn demo_consent(today: NaiveDate) -> Terms {
    Terms {
        purposes: ConsentPurpose::ALL.to_vec(),
        data: ConsentData::ALL.to_vec(),
        method: ConsentMethod::Paper,
        obtained_on: today - Duration::days(7),
        document_id: None,
        note: Some("演示数据".into()),
    }
}

/// Inserts `count` customers (each with a consent) in one transaction; the same `seed` gives the same customers.
pub fn insert(
    conn: &mut Connection,
    count: u64,
    seed: u64,
    today: NaiveDate,
) -> anyhow::Result<u64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let start = customers::max_id(conn)?;
    let tx = conn.transaction()?;
    for i in 0..count {
        let mut c = customer(&mut rng, start as u64 + i, today);
        c.validate(today)
            .map_err(|e| anyhow::anyhow!("demo customer invalid: {} {}", e.field, e.message))?;
        let id = customers::insert(&tx, &c, None)?;
        consents::insert(&tx, id, &demo_consent(today), None)?;
    }
    tx.commit()?;
    Ok(count)
}
