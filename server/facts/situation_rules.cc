// The situations behind the seed's caching, database and messaging rules, as
// people describe them rather than in the seed's own terms: "re-run the last
// 30 days through the new model" is replay, "losing a second of counts is
// fine" is an acceptable write loss, "3-4 hops of follows" is a traversal.
// Negation is checked by Yes() ("we do NOT need replay" reads false).
#include "server/facts/fact_rules.h"

namespace agentd::facts_internal {
namespace {

void CachingTables(std::vector<FieldRules>& t) {
  t.push_back({.field = "stale_reads_ok", .min = 0, .max = 1, .rules = {
      Yes("stale|staleness|lag|lagging|behind|old|outdated ..5 "
          "ok|okay|fine|acceptable|tolerable|allowed|tolerated"),
      Yes("tolerate|tolerates|accept|accepts|tolerating ..3 "
          "stale|staleness|lag|lagging"),
      // Reads that must be fresh say so, or name data that goes stale fast.
      No("real time|realtime|fresh|freshness|up to date"),
      No("stale|inventory|stock|price|prices|pricing"),
  }});
  t.push_back({.field = "read_after_write", .min = 0, .max = 1, .rules = {
      Yes("read|reads|see|sees their|your|its|my|our own? writes|write|"
          "updates|changes|edits"),
      Yes("reflect|reflects|show|shows|see|sees|display|displays|return "
          "..6 immediately|instantly"),
      Yes("reflect|reflects|show|shows|see|sees ..6 at once"),
      Yes("reflect|reflects|show|shows|see|sees ..6 every time"),
      Yes("reflect|reflects|show|shows|see|sees ..6 right|straight away"),
      Yes("already reflect|show|contain"),
      Yes("old|stale|previous|outdated ..3 back? from the? cache"),
  }});
  t.push_back({.field = "write_loss_ok", .min = 0, .max = 1, .rules = {
      Yes("lose|losing|lost|loss|drop|dropping|dropped ..3 "
          "few|couple|last|second|seconds|minute"),
      Yes("small|short|brief loss window"),
      Yes("loss|losing|lose ..6 acceptable|tolerable|nobody|fine"),
  }});
  t.push_back({.field = "hot_keys", .min = 0, .max = 1, .rules = {
      Yes("hot key|keys|spot|spots|partition|partitions|entries|items"),
      Yes("same ..4 keys|pairs|queries|page|pages|entries|items|products|"
          "dashboard|dashboards|puzzle|leaderboard|quotes|handful|report"),
      Yes("every|each morning|night|weekday|evening"),
      Yes("at market open|close"),
      Yes("on|by almost|nearly? every|each request|page|visit|call"),
      Yes("never go|goes|to go cold"),
      Yes("always|stay|stays|keep|keeps ..3 warm"),
      Yes("stampede|stampedes|dogpile"),
      Yes("thundering herd"),
      Is("leaderboard|leaderboards|homepage|trending|popular", 1, 1, 0),
  }});
  t.push_back({.field = "changes_published", .min = 0, .max = 1, .rules = {
      Yes("already ..3 publish|publishes|published|emit|emits|emitted|"
          "send|sends|sent|produce|produces|produced|broadcast|broadcasts"),
      Yes("publishes|emits|broadcasts|produces ..3 event|events|message|"
          "messages"),
      Yes("change data capture"),
      Yes("cdc|debezium"),
  }});
  t.push_back({.field = "immutable_content", .min = 0, .max = 1, .rules = {
      Yes("immutable|versioned|fingerprinted"),
      Yes("content addressed|hashed"),
      Yes("never change|changes|changed|modified|edited|updated|mutated "
          "..2 once|after"),
      Yes("new _? version|release|build number|id|hash"),
      Yes("as|is a new _? version|release|build"),
      Is("static assets", 1, 1, 0),
  }});
  t.push_back({.field = "grouped_invalidation", .min = 0, .max = 1, .rules = {
      Yes("purge|purged|purging|clear|cleared|clearing|invalidate|"
          "invalidated|invalidating|flush|flushed|evict|evicted ..4 "
          "every|all ..2 cached"),
      Yes("every|all cached ..10 purged|cleared|invalidated|flushed|"
          "belonging|belongs|mention|mentions|related"),
      Yes("purge|purged|clear|cleared|invalidate|invalidated|flush|flushed|"
          "drop|dropped|evict|evicted ..8 together"),
      Yes("in one shot|go|sweep"),
      Yes("bulk invalidation|purge|purges|invalidate"),
      Yes("tag|tags|tagged ..2 invalidation|purge|purging"),
  }});
}

void DataTables(std::vector<FieldRules>& t) {
  t.push_back({.field = "varied_records", .min = 0, .max = 1, .rules = {
      Yes("nested"),
      Yes("shape|structure|schema|fields|attributes ..3 differs|differ|"
          "varies|vary|changes"),
      Yes("different|varying|own ..2 structure|shape|schema|schemas|fields|"
          "attributes|questionnaire|form|forms|question"),
      Yes("vary|varies wildly|widely"),
      Yes("no two _? _? look alike"),
      Yes("flexible|dynamic|arbitrary schema|schemas|attributes"),
  }});
  t.push_back({.field = "key_access_only", .min = 0, .max = 1, .rules = {
      Yes("only|always|solely|purely|just by|via that? _? key|id|token|"
          "code"),
      Yes("by _? key|id|token|code only|alone"),
      Yes("fetched|fetch|looked|read|accessed|retrieved|lookups|lookup "
          "up? by _? _? key|id|token|code"),
      Yes("get / set|put"),
      Exactly("no|never|nothing ..2 other? queries|query|queried|searched|"
              "search",
              1),
      Yes("store|storing|keep|keeping ..2 login? sessions"),
  }});
  t.push_back({.field = "relationship_traversal", .min = 0, .max = 1, .rules = {
      Yes("hop|hops"),
      Yes("traverse|traverses|traversal|traversals|traversing"),
      Yes("friends|colleagues|followers of friends|colleagues|followers"),
      Yes("people you follow|know"),
      Yes("linked|connected ..3 to each other"),
      Yes("connected|linked through|via"),
      Yes("degrees of separation"),
      Yes("fraud|laundering rings"),
  }});
  t.push_back({.field = "append_only_series", .min = 0, .max = 1, .rules = {
      Yes("append only"),
      Yes("appended"),
      Yes("ingest|ingests|ingesting|ingestion|telemetry|clickstream"),
      Yes("time range|ranges|window|windows"),
      Yes("report|reports|send|sends|emit|emits|push|pushes ..4 every # "
          "{sec}|{min}"),
  }});
  t.push_back({.field = "writes_beyond_one_node", .min = 0, .max = 1, .rules = {
      Yes("outgrown|outgrew|outgrowing|exceeds|exceeded|beyond ..3 "
          "instance|node|server|machine|primary|box"),
      Exactly("can no longer absorb|handle|take ..2 write|writes|inserts", 1),
      Exactly("cannot|can't absorb|handle|take ..2 write|writes|inserts", 1),
      Yes("write|writes|insert|inserts volume|throughput|load|rate ..4 "
          "outgrown|outgrew|exceeds|beyond"),
  }});
  t.push_back({.field = "instance_count", .pick = Pick::kLargest, .min = 1,
               .max = 1e6, .rules = {
      Num("# _? pods|containers|instances|workers|replicas|vms|processes|"
          "dynos|servers",
          First),
  }});
  t.push_back({.field = "connections_per_instance", .min = 1, .max = 1e5, .rules = {
      Num("each|every ..2 # db? database? connections|conns", First),
      Num("# db? database? connections|conns each|per", First),
  }});
  t.push_back({.field = "connections_exhausted", .min = 0, .max = 1, .rules = {
      Yes("connection|connections limit|limits|exhaustion|exhausted|cap|"
          "ceiling"),
      Yes("max connections"),
      Yes("max_connections"),
      Yes("too many connections|clients"),
      Yes("out of connections"),
  }});
}

void MessagingTables(std::vector<FieldRules>& t) {
  t.push_back({.field = "needs_replay", .min = 0, .max = 1, .rules = {
      Yes("replay|replays|replaying|replayable|replayed|rewind"),
      Yes("reprocess|reprocessing|reprocessed|rerun|reruns|rerunning|"
          "backfill|backfilling"),
      Yes("re process|processing|read|play|consume|run|runs|running|feed "
          "history|events?"),
      Yes("rebuild|rebuilding|reconstruct ..3 from events|history"),
      // "push the last 90 days of events through the new model again"
      Yes("through ..4 again"),
      Yes("events|messages|stream|history|log ..3 again"),
      Yes("from the beginning|start of? the? stream|topic|log|history?"),
  }});
  t.push_back({.field = "complex_routing", .min = 0, .max = 1, .rules = {
      Yes("route|routes|routed|routing ..4 by|on _? type|types|header|"
          "headers|topic|topics|content|attribute|attributes|region|tenant|"
          "key|priority"),
      Yes("topic|content|header|headers|attribute|type|pattern based? "
          "routing"),
      Yes("routing key|keys"),
      Yes("fan out|fanout ..6 by _?"),
      Yes("topic|wildcard exchange|exchanges"),
      Yes("wildcard|wildcards"),
      // "must go to different worker pools by region and severity"
      Yes("go|goes|sent|delivered|dispatched|reach ..6 by "
          "region|severity|priority|type|tenant|team|carrier|category"),
      Yes("go|goes|sent|delivered|dispatched|reach ..6 depending on "
          "region|severity|priority|type|tenant|team|carrier|category"),
      Yes("request reply|response"),
      Yes("priority|priorities queue|queues|levels|lanes"),
      Yes("per consumer routing|filters|filtering"),
  }});
  t.push_back({.field = "temporal_queries", .min = 0, .max = 1, .rules = {
      Yes("as of ..3 date|day|time|moment|point|month|year|past"),
      Yes("as of last|yesterday|monday|tuesday|wednesday|thursday|friday|"
          "saturday|sunday"),
      Yes("point in time"),
      Yes("time travel"),
      Yes("temporal"),
      Yes("on any given|past? day|date"),
      Yes("at any past? point|time|moment|date"),
      Yes("look|looked|looks like last|on|at|a ..2 monday|tuesday|wednesday|"
          "thursday|friday|saturday|sunday|week|month|year|ago|yesterday|date"),
      Yes("overwrite|overwrites|overwriting ..3 in place"),
  }});
  t.push_back({.field = "separate_read_model", .min = 0, .max = 1, .rules = {
      Yes("read model|models|side|projection|projections"),
      Yes("denormalized|denormalised|prejoined"),
      Yes("pre joined"),
      Yes("different shapes|shape|models"),
      Yes("one|single|same model ..4 both"),
      Yes("sharing one|a|the same? model"),
      Is("reporting|analytics|dashboard|dashboards", 1, 1, 0),
      Is("search index", 1, 1, 0),
  }});
  t.push_back({.field = "central_flow_view", .min = 0, .max = 1, .rules = {
      Yes("one|single|central place|screen|view|dashboard ..5 state|status|"
          "where"),
      // "can never tell where a booking got stuck": the denial is the need.
      Exactly("where ..4 stuck", 1),
      Exactly("can't|cannot|nobody|never follow|trace|understand|tell ..2 "
              "the? flow|flows",
              1),
      Exactly("no one can? follow|trace|understand ..2 the? flow|flows", 1),
      Exactly("hard|impossible|difficult to follow|trace|understand|debug ..2 "
              "the? flow|flows",
              1),
      Yes("loop|loops|cycle|cycles between"),
  }});
  t.push_back({.field = "no_coordinator", .min = 0, .max = 1, .rules = {
      Exactly("{neg}|refuse|refuses|avoid|avoiding|never|not|than ..6 "
              "central|boss|coordinator|orchestrator|conductor|workflow",
              1),
      Yes("react|reacts|reacting|listen|listens|listening|respond|responds "
          "..2 to|for ..3 previous|prior|event|events|announced"),
      Yes("choreography|choreographed"),
      Yes("loose|loosely coupling|coupled"),
  }});
  t.push_back({.field = "saga_steps", .min = 1, .max = 1000, .rules = {
      Num("# step|steps|stage|stages", First),
      Num("spans|touches|involves|across|through|crosses # _? "
          "services|systems|steps",
          First),
  }});
  t.push_back({.field = "compensating_steps", .min = 0, .max = 1, .rules = {
      Yes("compensat*"),
      Yes("roll back|rollback|rolled back|undo|undone"),
      Yes("any step can|may fail"),
  }});
}

}  // namespace

void AddSituationTables(std::vector<FieldRules>* tables) {
  CachingTables(*tables);
  DataTables(*tables);
  MessagingTables(*tables);
}

}  // namespace agentd::facts_internal
