"""A scripted learner for the exported player: reads every lesson, answers a quiz (right or wrong on purpose)."""
from __future__ import annotations

from courses.model import Question, Quiz


class ScriptedLearner:
    def __init__(self, frame) -> None:  # type: ignore[no-untyped-def]
        self.frame = frame  # a Playwright FrameLocator (or Page) showing one SCO

    def wait_ready(self) -> None:
        self.frame.locator("body[data-ready=true]").wait_for()

    def read_lessons(self, count: int) -> None:
        for _ in range(count):
            self.frame.locator("button.next").click()

    def answer(self, quiz: Quiz, wrong: frozenset[str] = frozenset()) -> None:
        for question in quiz.questions:
            self._answer(question, question.id not in wrong)
        self.frame.locator("button.submit").click()
        self.frame.locator("form.quiz .result").wait_for()

    def _answer(self, q: Question, right: bool) -> None:
        box = self.frame.locator(f"fieldset[data-question='{q.id}']")
        if q.type in ("single", "multiple"):
            picks = [c.id for c in q.choices if c.correct == right] if q.type == "single" or right else \
                [c.id for c in q.choices if not c.correct]
            for choice in picks[:1] if q.type == "single" else picks:
                box.locator(f"input[value='{choice}']").check()
        elif q.type == "true_false":
            box.locator(f"input[value='{str(q.answer == right).lower()}']").check()
        elif q.type == "matching":
            targets = [p.id for p in q.pairs]
            for i, pair in enumerate(q.pairs):
                box.locator(f"select[data-source='{pair.id}']").select_option(
                    pair.id if right else targets[(i + 1) % len(targets)])
        elif q.type == "ordering":
            if right:
                for position, item in enumerate(i.id for i in q.items):
                    current = box.locator("li").evaluate_all("lis => lis.map(li => li.dataset.item)")
                    for _ in range(current.index(item) - position):
                        box.locator(f"li[data-item='{item}'] button").first.click()
        else:
            box.locator("input").fill(q.answers[0] if right else "certainly not this")

    def exit(self) -> None:
        self.frame.locator("#exit").click()
        self.frame.locator("body[data-finished=true]").wait_for()
