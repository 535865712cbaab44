-- Every de-duplicated event of a life-cycle-valid application, with the application's attributes.
select * from {{ ref('int_application_events_validated') }}
