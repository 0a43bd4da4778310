"""AML monitoring: rules evaluated in the posting path, alerts, cases and reports."""
