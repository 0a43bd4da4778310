"""Linked funding sources (issue 14): customers' bank accounts and cards, validated, verified and shown masked."""
