"""Self-checking exercises: ``check("03.output_gate", my_answer)`` prints friendly feedback, never a traceback.

Introduced in notebook 00 (``00_start_here``) and used by every notebook. A learner asks for help explicitly:
``hint("03.output_gate")`` prints a nudge (ask again for a more specific hint, the formula last) and
``solution("03.output_gate")`` prints a worked solution. Notebooks never show an answer unasked.

``_framework`` holds the registry, grading, feedback and comparison helpers; each ``nbNN`` module holds the graders,
hints and worked solutions of notebook NN.
"""

from . import nb00, nb01, nb02, nb03, nb04, nb05, nb07, nb08, nb11  # noqa: F401  (registers every exercise)
from ._framework import (
    Feedback,
    as_number,
    call_for_number,
    check,
    compare_number,
    compare_tensors,
    exercise,
    grade,
    hint,
    list_exercises,
    pass_the_function,
    solution,
)

__all__ = [
    "Feedback",
    "as_number",
    "call_for_number",
    "check",
    "compare_number",
    "compare_tensors",
    "exercise",
    "grade",
    "hint",
    "list_exercises",
    "pass_the_function",
    "solution",
]
