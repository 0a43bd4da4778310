"""A first end-to-end check that the app answers over HTTP."""


async def test_partner_can_move_money(clients):
    partner = await clients.partner()
    alice = await partner.open_wallet("CNY")
    bob = await partner.open_wallet("CNY")
    assert (await partner.top_up(alice["id"], "100.00"))["userErrors"] == []
    assert (await partner.transfer(alice["id"], bob["id"], "12.50"))["userErrors"] == []
    assert await partner.balance(alice["id"]) == "87.50"
    assert await partner.balance(bob["id"]) == "12.50"
