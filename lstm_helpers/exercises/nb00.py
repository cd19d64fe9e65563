"""Graders, hints and worked solutions for notebook 00's exercises."""

from ._framework import compare_number, correct, exercise, wrong


@exercise(
    "00.warm_up",
    "Add two numbers",
    hints=(
        "Write a number (or a Python expression) in place of the `...`, run that cell, then run the check.",
        "Python computes expressions for you: `answer = 2 + 3` works as well as the number itself.",
    ),
    solution='''
answer = 2 + 3
''',
)
def _grade_warm_up(answer):
    if isinstance(answer, str):
        return wrong(
            f"Your answer is the text {answer!r}, but it should be a number.",
            "Leave out the quotation marks, so that Python reads a number or an expression.",
        )
    if answer == 23 or answer == 32:
        return wrong(
            f"{answer} looks like the two digits written side by side, not added.",
            "Use the + operator between two numbers, not between two pieces of text.",
        )
    feedback = compare_number(answer, 5, "2 + 3")
    if feedback.correct:
        return correct("2 + 3 = 5. That is how every check in the course works: write your answer, run the check.")
    return feedback
