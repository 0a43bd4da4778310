"""Businesses with several users: members and their roles, the approval policy and maker-checker payout requests."""
