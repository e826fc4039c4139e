"""arflow's rules engine: policy YAML -> checked conditions -> durable_rules decisions.

It knows nothing of the database: callers hand it plain fact dicts and a Policy and get
back, per fact, the ids of the rules that fired.
"""

from engine.benchmark import engine_seconds, raw_engine_seconds
from engine.compiler import RuleSpec
from engine.errors import EngineError, FactError, Location, PolicyError, Problem
from engine.evaluator import RuleEngine
from engine.expressions import Expression, ExpressionError, parse_expression
from engine.facts import (
    CUSTOMER_FACTS,
    FACT_MEANINGS,
    NULLABLE_FACTS,
    ORDER_FACTS,
    RECEIVABLE_FACTS,
    SCOPE_FACTS,
    SCOPES,
    SCORECARD_FACTORS,
)
from engine.policy import (
    DECISIONS,
    LEVELS,
    STAGE_ORDER,
    CreditPolicy,
    CreditTerms,
    OrderCheck,
    Policy,
    ReminderStep,
    ScoreFactor,
    StageRule,
    TaskSpec,
    WarningRule,
    load_policy,
    load_policy_texts,
)
from engine.scorecard import Score, score

__all__ = [
    "CUSTOMER_FACTS", "DECISIONS", "FACT_MEANINGS", "LEVELS", "NULLABLE_FACTS", "ORDER_FACTS",
    "RECEIVABLE_FACTS", "SCOPES", "SCOPE_FACTS", "SCORECARD_FACTORS", "STAGE_ORDER",
    "CreditPolicy", "CreditTerms", "EngineError", "Expression", "ExpressionError", "FactError",
    "Location", "OrderCheck", "Policy", "PolicyError", "Problem", "ReminderStep", "RuleEngine",
    "RuleSpec", "Score", "ScoreFactor", "StageRule", "TaskSpec", "WarningRule", "engine_seconds",
    "load_policy", "load_policy_texts", "parse_expression", "raw_engine_seconds", "score",
]
