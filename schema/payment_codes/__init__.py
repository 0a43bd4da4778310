"""GraphQL of customer-presented payment codes: PaymentCode, paymentCodeCreate and paymentCollect."""
