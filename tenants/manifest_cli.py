"""``fengqiao tenants apply county.yaml [--dry-run]``."""

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.group("tenants")
def tenants_group():
    """A whole county declared in one file."""


@tenants_group.command("apply")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="print what would change, write nothing")
@with_appcontext
def tenants_apply(path, dry_run):
    """Make the county and its people, stations, modules and admins match the manifest at
    PATH."""
    from app.audit.chain import act_as_cli
    from app.enrolment import echo_invitations
    from tenants.manifest import apply, load_file

    act_as_cli()
    doc, problems = load_file(path)
    outcome = apply(doc, dry_run=dry_run) if doc is not None else None
    problems = problems or outcome.problems
    if problems:
        click.echo(_("The manifest has %(n)d problems; nothing was changed:", n=len(problems)),
                   err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(2)
    for change in outcome.changes:
        click.echo(change)
    if not outcome.changes:
        click.echo(_("Nothing to change: the database already matches the manifest."))
    elif dry_run:
        click.echo(_("Dry run: %(n)d changes would be made; nothing was written.",
                     n=len(outcome.changes)))
    else:
        click.echo(_("Applied %(n)d changes.", n=len(outcome.changes)))
    echo_invitations(outcome.invitations)
