"""Charges a 1-point fee to the issuer on every 'shop' transfer, in the same transaction."""

from marshmallow import Schema, fields

from ledger import FactType, SchemeType, hookimpl


class ShopSchema(Schema):
    name = fields.String(required=True)
    fee = fields.Integer(required=True, strict=True)


@hookimpl
def ledger_register_schemes():
    return [SchemeType(kind="shop_points", unit="points", step=5, floor=0, ceiling=1000, description="test")]


@hookimpl
def ledger_register_fact_types():
    return [FactType(name="fees.shop.v1", schema=ShopSchema)]


@hookimpl
def ledger_before_commit(ledger, command):
    if command.name == "transfer" and command.args["code"] == "shop":
        shop = ledger.fact("fees.shop.v1", command.args["credit"])
        fee = shop.data["fee"] if shop else 5
        scheme = command.schemes[command.args["debit"]]
        return [{"type": "transfer", "debit": command.args["debit"], "credit": scheme.issuer, "amount": fee,
                 "code": "fee", "memo": f"fee for {command.args['transfer_id']}"}]
    return None
