"""Customer-presented payment codes (付款码): a wallet shows a one-time code, the merchant's partner collects it."""
