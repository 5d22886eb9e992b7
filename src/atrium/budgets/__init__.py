"""Monthly token and cost budgets that concurrent calls cannot overspend: a call reserves
its worst case in PostgreSQL before it reaches a provider and settles its real usage after."""
