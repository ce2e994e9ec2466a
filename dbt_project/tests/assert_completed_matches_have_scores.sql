-- No completed match lacks its home or away score.
with

matches as (

    select * from {{ ref('matches') }}

)

select game_id, home_score, away_score
from matches
where is_completed
    and (home_score is null or away_score is null)
