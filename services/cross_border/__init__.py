"""Cross-border transfers (issue 14 part 7): the policy section, quota, travel rule and internationalTransferCreate."""
