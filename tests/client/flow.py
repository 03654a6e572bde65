"""Uses the Python client generated from frontend/openapi.json against a running instance.

    python flow.py BASE_URL STATE_DIR      (the generated package `loan_broker_client` on PYTHONPATH)

Logs in, changes the initial password, creates customers with the nullable enum fields set, sent as
null and left out, lists them, runs a diagnosis and reads it back, all through the generated models.
Every step checks what the models parsed against the raw JSON: no field may be lost to
`additional_properties` (a field the model does not know) or change on the way through.
Prints "N passed, M failed" last; exits non-zero on the first failure.
"""

import datetime
import json
import sys
import traceback

from loan_broker_client import AuthenticatedClient, Client, models
from loan_broker_client.api.auth import change_password, login
from loan_broker_client.api.customers import create_customer, get_customer, list_customers
from loan_broker_client.api.diagnoses import get_diagnosis, list_diagnoses, run_diagnosis

base, state_dir = sys.argv[1], sys.argv[2]
passed = 0


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def parsed(resp, model):
    """The model of a 2xx answer; anything else is a failure that shows the error body."""
    body = resp.content.decode("utf-8", "replace")
    check(200 <= int(resp.status_code) < 300, f"HTTP {int(resp.status_code)}: {body}")
    check(isinstance(resp.parsed, model), f"expected {model.__name__}, got {type(resp.parsed).__name__}: {body}")
    return resp.parsed, json.loads(body)


def no_unknown_fields(obj, where):
    """A model instance (recursively) kept nothing it does not model."""
    extra = getattr(obj, "additional_properties", None)
    if extra is not None:
        check(extra == {}, f"{where}: fields the model does not know: {sorted(extra)}")
        for name in getattr(type(obj), "__attrs_attrs__", ()):
            if name.name != "additional_properties":
                no_unknown_fields(getattr(obj, name.name), f"{where}.{name.name}")
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            no_unknown_fields(item, f"{where}[{i}]")


def instants(v):
    """The value with every date-time string read as the instant it names: the generated models
    parse `format: date-time` fields and write them back as `+00:00`, the service writes `Z`."""
    if isinstance(v, dict):
        return {k: instants(x) for k, x in v.items()}
    if isinstance(v, list):
        return [instants(x) for x in v]
    if isinstance(v, str) and "T" in v:
        try:
            return datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return v
    return v


def round_trips(obj, raw, where):
    no_unknown_fields(obj, where)
    again = obj.to_dict()
    check(instants(again) == instants(raw), f"{where}: to_dict() differs from the answer:\n{json.dumps(again, ensure_ascii=False, sort_keys=True)}\n{json.dumps(raw, ensure_ascii=False, sort_keys=True)}")


def step(name):
    def run(fn):
        global passed
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported the same way
            print(f"client: FAILED {name}: {e}", file=sys.stderr)
            if not isinstance(e, Failure):
                traceback.print_exc()
            print(f"{passed} passed, 1 failed")
            sys.exit(1)
        passed += 1
        print(f"client: ok {name}", file=sys.stderr)
        return fn

    return run


state = {}


@step("the models exist")
def _():
    for name in ("Customer", "CustomerInput", "NewCustomer", "ConsentInput", "CustomerPage", "CustomerPatch", "DiagnosisRecord", "TaxGrade", "BusinessStatus", "Stage", "Collateral"):
        check(hasattr(models, name), f"the generated client has no model {name}")


@step("log in with the initial password and change it")
def _():
    with open(f"{state_dir}/initial-admin-password", encoding="utf-8") as f:
        initial = f.read().strip()
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)
    first, raw = parsed(login.sync_detailed(client=anonymous, body=models.LoginRequest(username="admin", password=initial)), models.TokenResponse)
    round_trips(first, raw, "login")
    check(first.must_change_password is True, "a first login must change the password")
    client = AuthenticatedClient(base_url=base, token=first.access_token, raise_on_unexpected_status=True)
    changed, raw = parsed(
        change_password.sync_detailed(client=client, body=models.ChangePasswordRequest(current_password=initial, new_password="Client-Test-Passw0rd")),
        models.TokenResponse,
    )
    round_trips(changed, raw, "change-password")
    check(changed.must_change_password is False, "the changed password still has to be changed")
    state["client"] = AuthenticatedClient(base_url=base, token=changed.access_token, raise_on_unexpected_status=True)


@step("create a customer with the nullable enums set, sent as null, and left out")
def _():
    client = state["client"]
    # 当前逾期 is a 征信 fact: the client's signed consent (授权) is recorded with the customer.
    signed = models.ConsentInput(
        purposes=[models.ConsentPurpose.ASSESSMENT],
        data=[models.ConsentData.CREDIT_REPORT],
        obtained_on=datetime.date.today() - datetime.timedelta(days=1),
        method=models.ConsentMethod.PAPER,
    )
    full = models.NewCustomer(
        consent=signed,
        name="客户端测试有限公司",
        established_on=datetime.date(2016, 5, 20),
        annual_tax_wan=12.5,
        legal_person_age=45,
        tax_grade=models.TaxGrade.A,
        business_status=None,
        stage=models.Stage.CONTACTED,
        current_overdue=False,
        collaterals=[models.Collateral(kind=models.CollateralKind.RESIDENTIAL, appraisal_wan=300.0, held_since=datetime.date(2018, 1, 31))],
    )
    check(full.to_dict()["business_status"] is None, "an explicit None is sent as null")
    c, raw = parsed(create_customer.sync_detailed(client=client, body=full), models.Customer)
    round_trips(c, raw, "created customer")
    check(c.tax_grade == models.TaxGrade.A, f"tax_grade {c.tax_grade!r}")
    check(c.business_status is None, f"business_status {c.business_status!r}")
    check(c.stage == models.Stage.CONTACTED, f"stage {c.stage!r}")
    check(c.established_on == datetime.date(2016, 5, 20), f"established_on {c.established_on!r} is a date")
    check(c.annual_tax_wan == 12.5 and c.legal_person_age == 45, "numbers round-trip")
    check(len(c.collaterals) == 1 and c.collaterals[0].kind == models.CollateralKind.RESIDENTIAL, f"collaterals {c.collaterals!r}")
    check(c.collaterals[0].held_since == datetime.date(2018, 1, 31), "a collateral's date round-trips")
    state["full"] = c

    sparse = models.NewCustomer(name="只有名称的公司")
    check("tax_grade" not in sparse.to_dict(), "UNSET is left out")
    s, raw = parsed(create_customer.sync_detailed(client=client, body=sparse), models.Customer)
    round_trips(s, raw, "sparse customer")
    check(s.tax_grade is None and s.business_status is None, "unknown enums read back as None")
    check(s.stage == models.Stage.NEW, f"the default stage, got {s.stage!r}")
    state["sparse"] = s

    again, raw = parsed(get_customer.sync_detailed(c.id, client=client), models.Customer)
    round_trips(again, raw, "customer read back")
    check(again.to_dict() == c.to_dict(), "the customer reads back as created")


@step("list customers")
def _():
    client = state["client"]
    page, raw = parsed(list_customers.sync_detailed(client=client), models.CustomerPage)
    round_trips(page, raw, "customer page")
    check(page.total == 2, f"total {page.total}")
    by_id = {c.id: c for c in page.items}
    for key in ("full", "sparse"):
        want = state[key]
        check(want.id in by_id, f"{key} customer missing from the list")
        got = by_id[want.id]
        check(got.tax_grade == want.tax_grade and got.business_status == want.business_status, f"{key}: enums differ in the list")
        check(got.name == want.name, f"{key}: name differs in the list")


@step("run a diagnosis and read it back")
def _():
    client = state["client"]
    cid = state["full"].id
    d, raw = parsed(run_diagnosis.sync_detailed(cid, client=client), models.DiagnosisRecord)
    round_trips(d, raw, "diagnosis")
    check(d.customer_id == cid, "the diagnosis is of the customer")
    check(0 <= d.total <= 100, f"total {d.total}")
    check(isinstance(d.category, models.Category), f"category {d.category!r}")
    back, raw = parsed(get_diagnosis.sync_detailed(d.id, client=client), models.DiagnosisRecord)
    round_trips(back, raw, "diagnosis read back")
    check(back.to_dict() == d.to_dict(), "the diagnosis reads back as stored")
    history = list_diagnoses.sync_detailed(cid, client=client)
    check(int(history.status_code) == 200 and isinstance(history.parsed, list), f"history: HTTP {int(history.status_code)}")
    check([x.id for x in history.parsed] == [d.id], "the history holds the one diagnosis")


print(f"{passed} passed, 0 failed")
