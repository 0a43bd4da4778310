"""Beneficiaries at foreign banks (issue 14 part 7): who a customer's international transfers pay."""
