"""The action ledger and its tallies, signatures, offline reports, the drawn map.

Split by concern; import the package (``from campaigns import services``)
and call ``services.<name>``: every public function is re-exported here.

* ``ledger``: action_record / action_withdraw, actions_replace (set-based,
  for bulk decisions), offline reports.
* ``tallies``: the rows summed from the ledger, their refresh and reconcile.
* ``signatures``: the double opt-in signature.
* ``maps``: the PNG/SVG map drawn from a campaign's tally rows.

What the ledger counts (DESIGN, "The ledger"): every source yields each kind
once. A letter counts when approved, a signature when confirmed, an event
once (kind "event") when published and its report's figures (participants,
letters, postcards, signatures, other) while the report is published, an
offline report when saved. The campaign is optional: an act outside any
campaign is in the ledger with campaign NULL and counts in the global
tallies, not in any campaign's.

How a tally stays exact (DESIGN, "Tallies, precisely"):

* Recording, correcting or withdrawing an action applies its difference in
  the same transaction to every row it touches: the campaign's tally row
  (country, kind) and daily row if it has a campaign, and always the global
  rows (country and kind; day; prisoner and kind). The rows are exact when
  it commits, and one more action costs the same on a ledger of any size.
* The campaign's totals (actions, countries), its tally time and its map are
  refreshed by a task, coalesced: after commit the campaign is marked dirty
  with a conditional UPDATE and only the caller that flipped the marker
  queues the task. The task takes the campaign's key exclusively and
  clears the marker in the transaction that reads the tally rows and
  writes the totals: a duplicate delivery does nothing, a burst costs one
  refresh, and a refresh that fails (or whose worker dies) leaves the
  marker. The recompute clears it the same way.
  Global rows need no refresh: pages sum them (a few hundred) and cache that.
* The full recompute (SELECT ... GROUP BY over the ledger, bringing the
  rows to it by difference: only wrong, missing or vanished rows are
  written, nothing when all is right) is the check: the periodic reconcile
  runs it for the global rows and for active and overdue campaigns, and
  logs any drift it had to repair.
* If Redis is down, the marker stays set and the reconcile finds it.

Lock order. Every transaction that writes the ledger takes its locks in
this order, and nothing takes them in another:

1. the source rows, locked by the caller that changes their state, only
   them (select_for_update(of=("self",))) and, for many, in id order: the
   letters (letters.services: letters_approve, letters_reject, one by one
   or in bulk), the events (events.services.events_moderate, and
   event_report_save before it writes the report), the signature
   (signature_confirm); an offline report is locked by its own UPDATE;
2. the Action rows (select_for_update(of=("self",)) on the sources' actions,
   in id order: action_record, action_withdraw, actions_replace);
3. on PostgreSQL, advisory keys standing for "the tallies of campaign N",
   in campaign id order, then the one global key, all shared: writers do not
   wait for one another, and a recompute takes one key exclusively, so it
   never interleaves with a difference;
4. the tally rows, table by table (campaign, campaign day, global, global
   day, prisoner) and in key order within a table: a bulk write adds with
   one multi-row upsert whose rows are in key order, and takes away after
   locking the rows it takes from with SELECT ... ORDER BY key FOR UPDATE.

At commit PostgreSQL checks the new rows' foreign keys (Django makes them
deferred), taking FOR KEY SHARE on the campaign and prisoner rows. That
conflicts only with FOR UPDATE on those rows, which is why no writer may
take one: a plain select_for_update() with select_related("campaign")
deadlocked bulk approvals against signature confirmations (issue 11;
tests/campaigns/test_concurrency.py runs both at once).

The campaign totals refresh and the recompute write the campaign row with
an UPDATE of non-key columns (FOR NO KEY UPDATE), which does not conflict
with FOR KEY SHARE.

An advisory key stands in for "the campaign row" of CONVENTIONS.md: the
campaign row itself is written by the on-commit marker and the totals
refresh, and locking it in every ledger write would serialise a campaign's
writers. A recompute or a totals refresh takes only its one exclusive key,
then tally rows and the
campaign's totals row; so a writer must never hold the campaign row while it
waits for a key: lock sources with select_for_update(of=("self",)) when the
query joins the campaign (tests/campaigns/test_concurrency.py has the
deadlock this once caused).
"""

from campaigns.services.ledger import (
    ActionSpec,
    LedgerError,
    action_record,
    action_withdraw,
    actions_replace,
    offline_report_delete,
    offline_report_save,
)
from campaigns.services.maps import campaign_map_render, map_file_names
from campaigns.services.signatures import (
    SIGNATURE_RESEND_AFTER,
    SignatureError,
    SignatureSubmission,
    signature_confirm,
    signature_delete,
    signature_submit,
    signatures_unconfirmed_purge,
)
from campaigns.services.tallies import (
    campaign_tallies_recompute,
    campaign_totals_refresh,
    global_tallies_recompute,
    tallies_mark_dirty,
    tallies_reconcile,
    tallies_refresh_on_commit,
)

__all__ = [
    "SIGNATURE_RESEND_AFTER",
    "ActionSpec",
    "LedgerError",
    "SignatureError",
    "SignatureSubmission",
    "action_record",
    "action_withdraw",
    "actions_replace",
    "campaign_map_render",
    "campaign_tallies_recompute",
    "campaign_totals_refresh",
    "global_tallies_recompute",
    "map_file_names",
    "offline_report_delete",
    "offline_report_save",
    "signature_confirm",
    "signature_delete",
    "signature_submit",
    "signatures_unconfirmed_purge",
    "tallies_mark_dirty",
    "tallies_reconcile",
    "tallies_refresh_on_commit",
]
