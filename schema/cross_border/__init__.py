"""International transfers (issue 14 part 7): beneficiaries and internationalTransferCreate."""
