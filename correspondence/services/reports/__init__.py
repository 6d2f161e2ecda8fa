"""Reports and audit: performance figures, the Cabinet Office return, event-log checkpoints."""
