-- The A8 gate: corporation x municipality where the committed `verbetering_efg`, summed over the
-- years after the latest snapshot (as of `as_of`), exceeds the E/F/G homes the corporation owns
-- there in that snapshot (int_commitments_over_latest_stock). fct_commitments leaves out those
-- `verbetering_efg` commitments; the checks turn each row into an A8 error finding.
select
    municipality_code,
    corporation_id,
    committed as committed_efg,
    owned as efg_stock,
    latest_snapshot_date
from {{ ref('int_commitments_over_latest_stock') }}
where indicator_code = 'verbetering_efg' and committed > owned
