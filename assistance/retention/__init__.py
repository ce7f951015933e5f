"""Privacy over time: identities erased when their retention period is over, or on request."""
