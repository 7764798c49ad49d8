"""Rule tables: inspection rules kept as versioned YAML data (DESIGN principle 2)."""

from govwatch.rules.loader import RulesError, RuleSet, Window, available_rulesets, load_ruleset

__all__ = ["RuleSet", "RulesError", "Window", "available_rulesets", "load_ruleset"]
