"""The IATI-style activity file and the 360Giving-style grants table, through ``Ledger.export``."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pytest
from ledger_grants.exports import GIVING_COLUMNS, major

from .conftest import RECEIPT, award

BACKENDS = ("sqlite", "postgres")  # every test runs on both stores (ledger.testing)


@pytest.fixture
def reported(led, grants):
    award(grants, "g2", fund="water", total=50_000, lines={"staff": 50_000}, identifier="360G-RF-2026-002",
          funder_name="River Foundation", recipient_name="Well Project", title="Well maintenance")
    grants.disburse("g1", 300_000)
    grants.disburse("g1", 200_000)
    grants.expense("g1", "pumps-ltd", 12_345, line="supplies", day="2026-07-01", evidence=RECEIPT,
                   transfer_id="x1")
    grants.donate("alice", "general", 5_000, transfer_id="d-alice")
    grants.donate("bob", "general", 2_500, transfer_id="d-bob", personal=False)
    grants.spend("general", "staff", 1_000, purpose="rent", day="2026-07-03", evidence="inv-7", transfer_id="x2")
    return led


def transactions(activity: ET.Element) -> list[tuple[str, str, str, str, str]]:
    return [
        (t.get("ref"), t.find("transaction-type").get("code"), t.find("value").text,
         t.find("provider-org").get("ref"), t.find("receiver-org").get("ref"))
        for t in activity.findall("transaction")
    ]


def test_iati_file_lists_commitments_disbursements_expenditures_and_incoming_funds(reported, tmp_path):
    result = reported.export(str(tmp_path / "out"), formats=["iati"])
    assert "iati-activities.xml" in result.files
    root = ET.parse(tmp_path / "out" / "iati-activities.xml").getroot()
    assert root.get("version") == "2.03"
    activities = {a.findtext("iati-identifier"): a for a in root.findall("iati-activity")}
    assert list(activities) == ["360G-g1", "360G-RF-2026-002", "test.commons-ledger.local/grants/fund/water",
                                "test.commons-ledger.local/grants/fund/general"]
    g1 = activities["360G-g1"]
    assert g1.get("default-currency") == "EUR"
    assert transactions(g1) == [
        ("g1/commitment", "2", "10000.00", "foundation", "water"),
        ("g1/tranche/1", "3", "3000.00", "foundation", "water"),
        ("g1/tranche/2", "3", "2000.00", "foundation", "water"),
        ("x1", "4", "123.45", "water", "pumps-ltd"),
    ]
    expense = g1.findall("transaction")[3]
    assert expense.find("transaction-date").get("iso-date") == "2026-07-01"
    assert expense.find("value").get("currency") == "EUR"
    tranche = g1.findall("transaction")[1]
    assert tranche.find("transaction-date").get("iso-date") == reported.seq_time(
        reported.transfer_info("g1/tranche/1").seq)[:10]
    # The personal donation names no donor in a public export; bob's public one does.
    assert transactions(activities["test.commons-ledger.local/grants/fund/general"]) == [
        ("d-alice", "1", "50.00", "withheld", "general"),
        ("d-bob", "1", "25.00", "bob", "general"),
        ("x2", "4", "10.00", "general", "staff"),
    ]


def test_a_private_export_names_every_provider(reported, tmp_path):
    reported.export(str(tmp_path / "out"), public=False, formats=["iati"])
    text = (tmp_path / "out" / "iati-activities.xml").read_text(encoding="utf-8")
    assert 'ref="alice"' in text and "withheld" not in text


def test_360giving_table_has_one_row_per_grant(reported, tmp_path):
    reported.export(str(tmp_path / "out"), formats=["360giving"])
    with open(tmp_path / "out" / "360giving-grants.csv", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == GIVING_COLUMNS
        rows = list(reader)
    assert [{k: r[k] for k in GIVING_COLUMNS[:13]} for r in rows] == [
        {"Identifier": "360G-g1", "Title": "Wells for Riverside", "Description": "clean water", "Currency": "EUR",
         "Amount Awarded": "10000.00", "Amount Disbursed": "5000.00", "Award Date": "2026-05-20",
         "Planned Dates:Start Date": "2026-06-01", "Planned Dates:End Date": "2027-05-31",
         "Recipient Org:Identifier": "water", "Recipient Org:Name": "water", "Funding Org:Identifier": "foundation",
         "Funding Org:Name": "foundation"},
        {"Identifier": "360G-RF-2026-002", "Title": "Well maintenance", "Description": "clean water",
         "Currency": "EUR", "Amount Awarded": "500.00", "Amount Disbursed": "0.00", "Award Date": "2026-05-20",
         "Planned Dates:Start Date": "2026-06-01", "Planned Dates:End Date": "2027-05-31",
         "Recipient Org:Identifier": "water", "Recipient Org:Name": "Well Project",
         "Funding Org:Identifier": "foundation", "Funding Org:Name": "River Foundation"},
    ]


def test_exports_describe_the_checkpoint_and_are_in_the_manifest(reported, tmp_path):
    result = reported.export(str(tmp_path / "out"), formats=["iati", "360giving"])
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert {"iati-activities.xml", "360giving-grants.csv"} <= set(manifest["files"])
    assert manifest["size"] == result.size
    assert reported.verify().ok


@pytest.mark.parametrize("cents, text", [(0, "0.00"), (5, "0.05"), (100, "1.00"), (123_456, "1234.56"),
                                         (-250, "-2.50"), (2**53 - 1, "90071992547409.91")])
def test_amounts_are_written_in_major_units_exactly(cents, text):
    assert major(cents) == text
