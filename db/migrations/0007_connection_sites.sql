-- Country sites (issue 13, item 9): every connection gets its `site`: the site of its webservice host
-- when it is one of Spartoo's (https://sws.spartoo.<tld>/mp/), else (the sandbox, a test server) `fr`.
UPDATE "connections" SET "settings" = "settings" || jsonb_build_object('site',
  CASE lower(split_part(split_part("settings" ->> 'baseUrl', '/', 3), ':', 1))
    WHEN 'sws.spartoo.co.uk' THEN 'uk'
    WHEN 'sws.spartoo.it' THEN 'it'
    WHEN 'sws.spartoo.de' THEN 'de'
    WHEN 'sws.spartoo.es' THEN 'es'
    WHEN 'sws.spartoo.eu' THEN 'eu'
    WHEN 'sws.spartoo.net' THEN 'net'
    WHEN 'sws.spartoo.se' THEN 'se'
    WHEN 'sws.spartoo.fi' THEN 'fi'
    WHEN 'sws.spartoo.ch' THEN 'ch'
    WHEN 'sws.spartoo.com.hr' THEN 'hr'
    ELSE 'fr'
  END)
WHERE NOT ("settings" ? 'site');
