"""Standard lines: the approved-wording library, its workflow, fit and usage."""
