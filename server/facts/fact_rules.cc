#include "server/facts/fact_rules.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agentd/v1/review.pb.h"
#include "server/facts/text_matcher.h"

namespace agentd::facts_internal {
namespace {

// Word classes shared by several tables, written {name} inside patterns.
const std::vector<std::pair<std::string_view, std::string_view>>& Macros() {
  static const auto* macros =
      new std::vector<std::pair<std::string_view, std::string_view>>{
          {"{sec}", "s|sec|secs|second|seconds"},
          {"{min}", "m|min|mins|minute|minutes"},
          {"{hour}", "h|hr|hrs|hour|hours"},
          {"{day}", "d|day|days"},
          {"{ms}", "ms|msec|msecs|millisecond|milliseconds|millis"},
          {"{every}", "per|a|an|each|every|/"},
          {"{rate}", "rps|qps|tps|eps|mps|wps"},
          // Things a system handles per unit of time.
          {"{noun}",
           "requests|request|req|reqs|orders|order|events|event|messages|"
           "message|msgs|msg|writes|write|reads|read|transactions|transaction|"
           "txns|txn|tx|calls|call|queries|query|jobs|hits|visits|views|"
           "pageviews|page|uploads|payments|bookings|clicks|operations|ops|"
           "checkouts|searches|records|rows|items|tasks|notifications|emails|"
           "webhooks|trades|updates|inserts|lookups|impressions|readings|"
           "datapoints|data|points|logins|signups|api|http|new|incoming|"
           "inbound|outbound|sensor|log|lines|entries|documents|files|images|"
           "deliveries|commands|bids|votes|posts|comments|likes|rpcs|"
           "invocations|submissions|purchases|tickets|rides|packets|metrics|"
           "samples|spans|concurrent|peak|user|customer|increments|quotes|"
           "positions|statements|counts"},
          {"{avkw}", "slo|slos|sla|slas|availability|uptime|available"},
          {"{latkw}",
           "latency|latencies|p99|p95|p90|p50|p999|p9999|tail|response|"
           "responses|respond|responds|roundtrip|rtt"},
          {"{role}",
           "engineers|engineer|developers|developer|devs|dev|programmers|"
           "programmer|coders|swes"},
          {"{roleadj}",
           "backend|back|end|frontend|front|full|stack|fullstack|senior|"
           "junior|software|mobile|web|platform|experienced|in|house|staff|"
           "principal|product|ios|android"},
          {"{teamadj}",
           "product|feature|engineering|dev|development|scrum|agile|"
           "autonomous|independent|separate|different|small|cross|functional|"
           "backend|frontend|stream|aligned|delivery"},
          {"{traffic}",
           "the|our|all|traffic|requests|queries|operations|ops|calls|access|"
           "accesses|load|workload|db|database"},
          {"{neg}", "no|without|lack|lacking|zero|don't|dont|doesn't|doesnt"},
          {"{unclear}",
           "unclear|fuzzy|vague|blurry|murky|undefined|evolving|emerging|messy|"
           "changing|shifting|unknown|ambiguous"},
          {"{domkw}", "domain|domains|boundaries|boundary|subdomains|contexts"},
          {"{lang}",
           "go|golang|python|java|kotlin|scala|rust|ruby|node|nodejs|"
           "typescript|javascript|php|elixir|erlang|dotnet|haskell|clojure|"
           "swift|csharp"},
      };
  return *macros;
}

std::string Expand(std::string_view pattern) {
  std::string out(pattern);
  for (const auto& [name, words] : Macros()) {
    for (size_t at = out.find(name); at != std::string::npos;
         at = out.find(name, at + words.size())) {
      out.replace(at, name.size(), words);
    }
  }
  return out;
}

}  // namespace

// Row builders, so the tables below read as phrase -> meaning.
Rule Num(std::string_view pattern,
         double (*transform)(const std::vector<double>&)) {
  Rule r;
  r.pattern = Expand(pattern);
  r.transform = transform;
  return r;
}
Rule Yes(std::string_view pattern) {  // bool true; negated: false
  Rule r;
  r.pattern = Expand(pattern);
  r.value = 1;
  r.check_negation = true;
  r.negated_value = 0;
  return r;
}
// Bool false, the phrase says so itself; weaker than any positive phrase
// ("steady traffic except Black Friday spikes" is bursty).
Rule No(std::string_view pattern) {
  Rule r;
  r.pattern = Expand(pattern);
  r.value = 0;
  r.tier = 1;
  return r;
}
Rule Is(std::string_view pattern, double value, int tier,
        double negated_value) {
  Rule r;
  r.pattern = Expand(pattern);
  r.value = value;
  r.tier = tier;
  r.check_negation = true;
  r.negated_value = negated_value;
  return r;
}
Rule Exactly(std::string_view pattern, double value) {  // no negation check
  Rule r;
  r.pattern = Expand(pattern);
  r.value = value;
  return r;
}

double First(const std::vector<double>& v) { return v[0]; }

namespace {

double PerMinute(const std::vector<double>& v) { return v[0] / 60; }
double PerHour(const std::vector<double>& v) { return v[0] / 3600; }
double PerDay(const std::vector<double>& v) { return v[0] / 86400; }
double SecondsToMs(const std::vector<double>& v) { return v[0] * 1000; }
double Product(const std::vector<double>& v) { return v[0] * v[1]; }
double MostlyWritesByPercent(const std::vector<double>& v) {
  return v[0] > 50 && v[0] <= 100 ? 1 : kNoValue;
}
double MostlyWritesByRatio(const std::vector<double>& v) {
  return v[1] > v[0] ? 1 : kNoValue;
}
double TwoPhase(const std::vector<double>& v) { return v[0] == 2 ? 1 : kNoValue; }

std::vector<FieldRules> BuildTables() {
  using v1::CLOUD_PROVIDER_AWS;
  using v1::CLOUD_PROVIDER_AZURE;
  using v1::CLOUD_PROVIDER_GCP;
  using v1::CLOUD_PROVIDER_ON_PREM;
  using v1::CONSISTENCY_EVENTUAL;
  using v1::CONSISTENCY_STRONG;
  using v1::DATA_SHAPE_DOCUMENT;
  using v1::DATA_SHAPE_GRAPH;
  using v1::DATA_SHAPE_KEY_VALUE;
  using v1::DATA_SHAPE_RELATIONAL;
  using v1::DATA_SHAPE_TIME_SERIES;
  using v1::DOMAIN_CLARITY_CLEAR;
  using v1::DOMAIN_CLARITY_UNCLEAR;
  using v1::OPS_MATURITY_HIGH;
  using v1::OPS_MATURITY_LOW;
  constexpr double kMaxCount = 100000;
  std::vector<FieldRules> t;

  t.push_back({.field = "team_size", .min = 1, .max = kMaxCount, .rules = {
      Num("# teams|squads of #", Product),  // "two teams of five"
      Num("team of about|around|roughly|approximately|some? # {role}?", First),
      Num("team size of|is|:? #", First),
      Num("# {roleadj}? {roleadj}? {role}", First),
      Num("# person|people|man|member|engineer|developer|dev "
          "team|startup|company|shop",
          First),
      Num("we are|we're|were # people|folks", First),
      Exactly("solo|sole|lone|single|only {role}|founder", 1),
      Exactly("solo|indie|single founder|hacker|maintainer", 1),
      Exactly("just me", 1),
      Num("# of us", First),
  }});

  t.push_back({.field = "team_count", .min = 1, .max = kMaxCount, .rules = {
      Num("# {teamadj}? {teamadj}? teams|squads|pods|tribes", First),
      Num("# team !member|members|size|lead|leads|leader|mate|mates", First),
      Exactly("single|one team !member|members|size|lead|leads|mate|mates", 1),
  }});

  t.push_back({.field = "domain_clarity", .rules = {
      Is("{unclear} ..2 {domkw} {domkw}?", DOMAIN_CLARITY_UNCLEAR, 0,
         DOMAIN_CLARITY_CLEAR),
      Is("{domkw} ..4 {unclear}", DOMAIN_CLARITY_UNCLEAR, 0,
         DOMAIN_CLARITY_CLEAR),
      Exactly("don't|dont|not know ..3 {domkw}", DOMAIN_CLARITY_UNCLEAR),
      Is("clear|clean|distinct|crisp bounded? {domkw}", DOMAIN_CLARITY_CLEAR, 0,
         DOMAIN_CLARITY_UNCLEAR),
      Is("well defined|understood|separated bounded? {domkw}",
         DOMAIN_CLARITY_CLEAR, 0, DOMAIN_CLARITY_UNCLEAR),
      Is("{domkw} ..4 clear|defined|understood|stable|obvious|established",
         DOMAIN_CLARITY_CLEAR, 0, DOMAIN_CLARITY_UNCLEAR),
  }});

  t.push_back({.field = "peak_rps", .pick = Pick::kLargest, .min = 0.01, .max = 1e10, .rules = {
      Num("# {noun} {noun}? {noun}? {every} {sec}", First),
      Num("# {noun} {noun}? {noun}? {every} {min}", PerMinute),
      Num("# {noun} {noun}? {noun}? {every} {hour}", PerHour),
      Num("# {noun} {noun}? {noun}? {every} {day}", PerDay),
      // "1.5 billion playback events a day": one word of what they are.
      Num("# _ {noun} {every} {sec}", First),
      Num("# _ {noun} {every} {min}", PerMinute),
      Num("# _ {noun} {every} {day}", PerDay),
      Num("# per|/ {sec}", First),
      Num("# per|/ {min}", PerMinute),
      Num("# per|/ {hour}", PerHour),
      Num("# {noun}? {noun}? {rate}", First),
      Num("# {noun}? {noun}? rpm", PerMinute),
      Num("{rate} of|:? #", First),
  }});

  t.push_back({.field = "consistency", .rules = {
      Is("strong|strict|immediate consistency", CONSISTENCY_STRONG, 0,
         CONSISTENCY_EVENTUAL),
      Is("strongly|immediately consistent", CONSISTENCY_STRONG, 0,
         CONSISTENCY_EVENTUAL),
      Is("acid", CONSISTENCY_STRONG, 0, CONSISTENCY_EVENTUAL),
      Is("read your|their|my own? writes", CONSISTENCY_STRONG, 0,
         CONSISTENCY_EVENTUAL),
      Is("linearizable|linearizability|serializable|serializability",
         CONSISTENCY_STRONG, 0, CONSISTENCY_EVENTUAL),
      Is("eventual consistency", CONSISTENCY_EVENTUAL, 0, CONSISTENCY_STRONG),
      Is("eventually consistent", CONSISTENCY_EVENTUAL, 0, CONSISTENCY_STRONG),
      Is("eventual consistency is|are|seems fine|ok|okay|acceptable|tolerable",
         CONSISTENCY_EVENTUAL, 0, CONSISTENCY_STRONG),
      Is("eventually consistent is|are|seems fine|ok|okay|acceptable|tolerable",
         CONSISTENCY_EVENTUAL, 0, CONSISTENCY_STRONG),
      Is("stale ..3 ok|okay|fine|acceptable|tolerable|allowed",
         CONSISTENCY_EVENTUAL, 0, CONSISTENCY_STRONG),
      Is("tolerate|accept|tolerable ..2 stale|staleness",
         CONSISTENCY_EVENTUAL, 0, CONSISTENCY_STRONG),
      Is("payments|payment|money|ledger|ledgers|banking|financial|fintech",
         CONSISTENCY_STRONG, 1),
      Is("account|wallet|bank balance|balances", CONSISTENCY_STRONG, 1),
      Is("balances", CONSISTENCY_STRONG, 1),
      Is("double spend|spending|spends", CONSISTENCY_STRONG, 1),
  }});

  t.push_back({.field = "data_shape", .rules = {
      Is("relational", DATA_SHAPE_RELATIONAL),
      Is("joins", DATA_SHAPE_RELATIONAL),
      Is("join queries|tables", DATA_SHAPE_RELATIONAL),
      Is("foreign keys", DATA_SHAPE_RELATIONAL),
      Is("document store|stores|database|databases|db|dbs|model|oriented",
         DATA_SHAPE_DOCUMENT),
      Is("json documents|blobs", DATA_SHAPE_DOCUMENT),
      Is("variable|flexible|dynamic|arbitrary attributes|schema|schemas|fields",
         DATA_SHAPE_DOCUMENT),
      Is("schemaless|schema less", DATA_SHAPE_DOCUMENT),
      Is("documents", DATA_SHAPE_DOCUMENT, 1),
      Is("key value", DATA_SHAPE_KEY_VALUE),
      Is("kv store|stores|lookups", DATA_SHAPE_KEY_VALUE),
      Is("time series", DATA_SHAPE_TIME_SERIES),
      Is("timeseries|iot|telemetry", DATA_SHAPE_TIME_SERIES),
      Is("sensor readings|data|measurements|events", DATA_SHAPE_TIME_SERIES),
      // "metrics" is a data shape when stored, not when asked about.
      Is("store|stores|storing|ingest|ingests|ingesting|collect|collects|"
         "collecting|write|writes|writing ..2 metrics",
         DATA_SHAPE_TIME_SERIES, 1),
      Is("metrics data|store|storage|database|db|ingestion|pipeline",
         DATA_SHAPE_TIME_SERIES, 1),
      Is("graph|graphs", DATA_SHAPE_GRAPH),
      Is("social network|networks", DATA_SHAPE_GRAPH),
      Is("friends of friends", DATA_SHAPE_GRAPH),
      Is("recommendation engine|engines|system|systems", DATA_SHAPE_GRAPH),
      Is("recommendations", DATA_SHAPE_GRAPH, 1),
  }});

  t.push_back({.field = "cloud", .rules = {
      Is("aws|eks", CLOUD_PROVIDER_AWS),
      Is("amazon web services", CLOUD_PROVIDER_AWS),
      Is("gcp|gke|bigquery", CLOUD_PROVIDER_GCP),
      Is("google cloud platform?", CLOUD_PROVIDER_GCP),
      Is("azure|aks", CLOUD_PROVIDER_AZURE),
      Is("on prem|premise|premises", CLOUD_PROVIDER_ON_PREM),
      Is("onprem|onpremise|onpremises", CLOUD_PROVIDER_ON_PREM),
      Is("own|our data center|centers|centre|centres", CLOUD_PROVIDER_ON_PREM),
      Is("own|our datacenter|datacenters|datacentre|datacentres",
         CLOUD_PROVIDER_ON_PREM),
  }});

  t.push_back({.field = "availability_slo", .min = 50, .max = 100, .rules = {
      Num("{avkw} ..4 # %|percent !reads|read|writes|write", First),
      Num("# %|percent {avkw}|monthly|yearly|annual|annually|availability",
          First),
      Num("#nines", First),  // "four nines", "three and a half nines"
      // "The SLO is 99.9": a bare figure right after the word is a percent.
      Num("slo|sla|availability|uptime is|of|:|at # !%|percent|{ms}|{sec}",
          First),
  }});

  t.push_back({.field = "latency_p99_ms", .min = 0.001, .max = 1e7, .rules = {
      Num("{latkw} ..5 # {ms}", First),
      Num("{latkw} ..5 # {sec}", SecondsToMs),
      Num("sub # {ms}", First),
      Num("sub # {sec}", SecondsToMs),
      Num("# {ms} {latkw}", First),
      Num("# {sec} {latkw}", SecondsToMs),
  }});

  t.push_back({.field = "ops_maturity", .rules = {
      Exactly("{neg} ..3 ops|devops|sre|sres|operations "
              "team|teams|people|engineers|engineer|person|support|"
              "experience|expertise?",
              OPS_MATURITY_LOW),
      Exactly("{neg} ..3 platform|infra|infrastructure "
              "team|teams|people|engineers|engineer|person|support",
              OPS_MATURITY_LOW),
      Is("limited|little|minimal|basic|weak ..1 "
         "devops|ops|operations|sre|infra|infrastructure|kubernetes|k8s "
         "experience|expertise|skills|knowledge|capacity|team|support?",
         OPS_MATURITY_LOW),
      Is("platform|sre|sres|infrastructure|infra "
         "team|teams|engineers|org|organization|group",
         OPS_MATURITY_HIGH, 0, OPS_MATURITY_LOW),
      Is("dedicated sre|sres|platform", OPS_MATURITY_HIGH, 0,
         OPS_MATURITY_LOW),
      Is("kubernetes|k8s in production|prod", OPS_MATURITY_HIGH),
      Is("run|use|have|using|running|with|operate ..4 service mesh",
         OPS_MATURITY_HIGH),
      Is("run|use|have|using|running|with|operate ..4 istio|linkerd",
         OPS_MATURITY_HIGH),
      Is("mature ..2 ops|devops|platform|sre|operations", OPS_MATURITY_HIGH),
  }});

  t.push_back({.field = "needs_ordering", .min = 0, .max = 1, .rules = {
      Yes("in order !to|for|that|of"),
      Yes("in the same|right|correct order"),
      Yes("in sequence"),
      Yes("out of order"),
      Yes("ordering|order guarantee|guarantees|guaranteed"),
      Yes("strict|strictly|total|global|causal|fifo ordering|ordered"),
      Yes("strict|strictly|causal|fifo order"),
      Yes("ordered per|by|within"),
      Yes("ordering per|by|within"),
      Yes("ordering ..3 matters|matter|important|critical|required|needed"),
      Yes("order matters"),
      Yes("need|needs|require|requires|requiring|want ..2 ordering"),
      Yes("per _ ordering"),
      Yes("preserve|preserving|maintain|maintaining|keep|keeping|guarantee "
          "..2 order|ordering"),
      Yes("message|event|events|messages ordering"),
      Yes("fifo"),
  }});

  t.push_back({.field = "bursty", .min = 0, .max = 1, .rules = {
      Yes("flash sale|sales"),
      Yes("spike|spikes|spiky|spiking|burst|bursts|bursty|bursting|surge|"
          "surges|surging"),
      Yes("black friday"),
      Yes("cyber monday"),
      Yes("peak|peaks|peaking|peaky"),
      No("steady|flat|constant|predictable|even|stable|uniform "
         "traffic|load|throughput"),
      No("traffic|load is|stays ..1 steady|flat|constant|predictable|stable|"
         "uniform"),
  }});

  t.push_back({.field = "independent_releases", .min = 0, .max = 1, .rules = {
      Yes("deploy|deploys|deployed|deploying|deployable|release|releases|"
          "released|releasing|ship|ships|shipping ..2 "
          "independently|separately|autonomously|individually"),
      Yes("deploy|deploys|release|releases|ship ..2 on their own"),
      Yes("independent|independently|separate|own|autonomous ..1 "
          "deploy*|release*"),
      Yes("deployment|release independence"),
  }});

  t.push_back({.field = "independent_scaling", .min = 0, .max = 1, .rules = {
      Yes("scale|scales|scaling|scaled ..2 "
          "independently|differently|separately|individually"),
      Yes("independent|independently|separate|separately ..1 "
          "scaling|scale|scalable"),
      Yes("different|differing scaling|scalability ..1 "
          "needs|requirements|profiles|characteristics|patterns"),
  }});

  t.push_back({.field = "planned_services", .min = 1, .max = kMaxCount, .rules = {
      Num("# separate|independent|distinct|small|smaller|backend|different|"
          "deployable|domain? micro? services|microservices",
          First),
  }});

  t.push_back({.field = "needs_audit_trail", .min = 0, .max = 1, .rules = {
      Yes("audit trail|trails|log|logs|logging|history|requirements"),
      Yes("auditable|auditability|auditing"),
      Yes("full|complete|entire|whole history ..3 changes|change|edits|"
          "modifications"),
      Yes("history of every|all|each ..1 change|changes|edit|edits|"
          "modification|modifications"),
      Yes("who changed what"),
      Yes("every change|modification|edit"),
  }});

  t.push_back({.field = "early_stage", .min = 0, .max = 1, .rules = {
      Yes("mvp|mvps|prototype|prototypes|prototyping|poc"),
      Yes("startup|startups !time|times|latency|script|scripts|probe|probes|"
          "cost|costs|order"),
      Yes("early stage|days|phase"),
      Yes("pre launch|revenue|seed|product"),
      Yes("proof of concept"),
      Yes("seed stage"),
  }});

  t.push_back({.field = "polyglot", .min = 0, .max = 1, .rules = {
      Yes("polyglot"),
      Yes("multiple|several|different|many|mixed|various ..1 "
          "languages|stacks|runtimes"),
      Yes("mix|mixture of ..1 languages|stacks"),
      Yes("{lang} and|, {lang}"),
  }});

  t.push_back({.field = "distributed_transaction", .min = 0, .max = 1, .rules = {
      Yes("saga|sagas"),
      Yes("distributed transaction|transactions"),
      Yes("two phase commit|commits"),
      Num("# pc", TwoPhase),
      Yes("transaction|transactions|booking|bookings|workflow|workflows ..2 "
          "across|spanning|spans|span _?"),
  }});

  t.push_back({.field = "write_heavy", .min = 0, .max = 1, .rules = {
      Yes("write heavy|intensive"),
      Yes("mostly|predominantly|primarily|largely writes"),
      Yes("ingest heavy"),
      Num("# %|percent of? {traffic}? {traffic}? is|are? writes|write",
          MostlyWritesByPercent),
      Num("# /|:|to # read|reads /|:|to write|writes", MostlyWritesByRatio),
  }});

  AddSituationTables(&t);
  AddSystemTables(&t);
  return t;
}

}  // namespace

const std::vector<FieldRules>& AllFieldRules() {
  static const auto* tables = new std::vector<FieldRules>(BuildTables());
  return *tables;
}

absl::Status ValidateFieldRules() {
  const google::protobuf::Descriptor* d = v1::Requirements::descriptor();
  for (const FieldRules& table : AllFieldRules()) {
    const google::protobuf::FieldDescriptor* field =
        d->FindFieldByName(std::string(table.field));
    const bool list = table.pick == Pick::kAll;
    if (field == nullptr || field->is_repeated() != list ||
        (list && field->cpp_type() !=
                     google::protobuf::FieldDescriptor::CPPTYPE_ENUM)) {
      return absl::InternalError(absl::StrCat(
          "rules for '", std::string(table.field),
          "': no such Requirements field (singular, or a repeated enum for "
          "Pick::kAll)"));
    }
    for (const Rule& rule : table.rules) {
      absl::StatusOr<Pattern> pattern = Pattern::Compile(rule.pattern);
      if (!pattern.ok()) return pattern.status();
      std::vector<double> values;
      if (rule.transform == nullptr) values.push_back(rule.value);
      if (rule.check_negation && !std::isnan(rule.negated_value)) {
        values.push_back(rule.negated_value);
      }
      for (double value : values) {
        const bool in_range = value >= table.min && value <= table.max;
        const bool enum_ok =
            field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_ENUM ||
            (value != 0 && field->enum_type()->FindValueByNumber(
                                static_cast<int>(value)) != nullptr);
        if (!in_range || !enum_ok) {
          return absl::InternalError(absl::StrCat(
              "rule '", rule.pattern, "' gives ", value, " to '",
              std::string(table.field), "', which does not fit"));
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace agentd::facts_internal
