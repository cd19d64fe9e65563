"""Self-checking exercises: ``check("03.output_gate", my_answer)`` prints friendly feedback, never a traceback.

Introduced in notebook 00 (``00_start_here``) and used by every notebook. A learner asks for help explicitly:
``hint("03.output_gate")`` prints a nudge (ask again for a more specific hint, the formula last) and
``solution("03.output_gate")`` prints a worked solution. Notebooks never show an answer unasked.

``_framework`` holds the registry, grading, feedback and comparison helpers; each ``nbNN`` module holds the graders,
hints and worked solutions of notebook NN.
"""

import importlib
import pkgutil

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

# Register every notebook's graders: each module ``nbNN`` of this package, in notebook order.
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("nb")):
    importlib.import_module(f"{__name__}.{_module}")

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
