"""The ladder of a station's settings: its levels, who may act at each, which moves are
legal. Every refusal is a sentence the officer reads."""

from flask_babel import gettext as _

from .schemas import parse_level

# County roles act in every station of their county; the platform admin everywhere.
_ALWAYS = ("county_admin", "platform_admin")


class Ladder:
    def __init__(self, config: dict):
        self.levels = [parse_level(line) for line in config["levels"]]
        self.may_skip = config["may_skip_levels"]

    def __len__(self) -> int:
        return len(self.levels)

    def name(self, level: int) -> str:
        if 1 <= level <= len(self.levels):
            return self.levels[level - 1][0]
        return _("level %(n)d", n=level)  # a level the settings no longer have

    def may_act(self, level: int, role: str | None) -> bool:
        if role in _ALWAYS:
            return True
        return 1 <= level <= len(self.levels) and role in self.levels[level - 1][1]

    def levels_for(self, role: str | None) -> list[tuple[int, str]]:
        """``(level, name)`` of the levels ``role`` may act at, lowest first."""
        return [(n, name) for n, (name, _roles) in enumerate(self.levels, 1)
                if self.may_act(n, role)]

    def refuse_acting(self, case, role) -> str | None:
        if not case.is_open:
            return _("This case is closed; nothing more can be recorded on its ladder.")
        if not self.may_act(case.level, role):
            return _("Your role may not act at %(level)s.", level=self.name(case.level))
        return None

    def refuse_escalation(self, case, to_level: int, role) -> str | None:
        refusal = self.refuse_acting(case, role)
        if refusal:
            return _("A closed case cannot move up a level.") if not case.is_open else refusal
        if to_level <= case.level:
            return _("A case only moves up the ladder.")
        if to_level > len(self.levels):
            return _("There is no level above %(level)s.", level=self.name(case.level))
        if to_level > case.level + 1 and not self.may_skip:
            return _("This station's ladder does not allow skipping %(level)s.",
                     level=self.name(case.level + 1))
        return None

    def refuse_reopening(self, case, agreement, level: int, role) -> str | None:
        """A case is mediated again only once the follow-up found its agreement not kept,
        at a level of the ladder the user's role may act at."""
        if case.is_open:
            return _("This case is being mediated already.")
        if agreement is None or agreement.holds is not False or case.outcome != "agreement":
            return _("Only a case whose agreement the follow-up visit found not kept is "
                     "mediated again.")
        if not 1 <= level <= len(self.levels):
            return _("Please choose one of the listed levels.")
        if not self.may_act(level, role):
            return _("Your role may not act at %(level)s.", level=self.name(level))
        return None
