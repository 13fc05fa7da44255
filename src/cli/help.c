/*
 * help.c: the --help text of every rnotify command.
 *
 * Each text is written for someone who has never used rnotify: what the
 * command answers, the arguments, the flags, an example and what the exit
 * code means.  The flags shared by all commands are described once in
 * CONFIG_FLAGS so the texts cannot drift apart.
 */
#include "cli.h"

#define CONFIG_FLAGS                                                           \
    "Configuration flags (all commands):\n"                                    \
    "      --config-map FILE   the ConfigMap argo-rollouts-notification-"      \
    "configmap,\n"                                                             \
    "                          read from a YAML or JSON file (several "        \
    "documents\n"                                                              \
    "                          may be in it; '-' reads standard input)\n"      \
    "      --secret FILE       the Secret argo-rollouts-notification-secret "  \
    "(same\n"                                                                  \
    "                          rules; 'data' is base64, 'stringData' plain "   \
    "text);\n"                                                                 \
    "                          ':empty' uses an empty Secret.  With "          \
    "--config-map\n"                                                           \
    "                          but no --secret, an empty Secret is used, "     \
    "with a\n"                                                                 \
    "                          warning\n"                                      \
    "      --show-secrets      show the Secret's real values in rendered "     \
    "output\n"                                                                 \
    "                          (default: <secret:KEY>); sending always uses "  \
    "them\n"                                                                   \
    "  -n, --namespace NS      namespace of the Rollout (and of the "          \
    "configuration\n"                                                          \
    "                          unless --config-namespace says otherwise)\n"    \
    "  -h, --help              show this help\n"                               \
    "\n"                                                                       \
    "Cluster mode: without --config-map, the ConfigMap and Secret are read "   \
    "from the\n"                                                               \
    "API server (a missing Secret is an empty one, with a warning), and a "    \
    "RESOURCE\n"                                                               \
    "that is not a file is a Rollout name.  kubectl's flags choose the "       \
    "cluster:\n"                                                               \
    "      --kubeconfig FILE, --context NAME, --server URL, --token TOKEN,\n"  \
    "      --certificate-authority FILE, --insecure-skip-tls-verify,\n"        \
    "      --request-timeout DURATION (default 30s)\n"                         \
    "      --config-namespace NS   where the ConfigMap and Secret live "       \
    "(default:\n"                                                              \
    "                              the Rollout's namespace)\n"

#define EXIT_CODES                                                             \
    "\n"                                                                       \
    "Exit codes: 0 ok, 1 bad command line, 2 configuration problem,\n"         \
    "3 resource problem, 4 rendering or sending failed.\n"

#define RESOURCE_NOTE                                                          \
    "RESOURCE is a file holding the object (a Rollout manifest, YAML or "      \
    "JSON; the\n"                                                              \
    "first document is used), or the name of a Rollout read from the "         \
    "cluster.\n"

const char cli_help_root[] =
    "rnotify: Argo Rollouts notifications.\n"
    "\n"
    "rnotify reads the notification configuration of Argo Rollouts (the "
    "ConfigMap\n"
    "argo-rollouts-notification-configmap and the Secret\n"
    "argo-rollouts-notification-secret) and shows what it would do: which\n"
    "triggers fire for a Rollout, who is subscribed, and the exact messages,\n"
    "from files or from a cluster.  The template and trigger commands take "
    "the\n"
    "same arguments as `kubectl argo rollouts notifications`.  `rnotify "
    "controller`\n"
    "runs the notifications controller itself.\n"
    "\n"
    "Usage:\n"
    "  rnotify COMMAND [flags]\n"
    "\n"
    "Commands:\n"
    "  template get [NAME]          list the notification templates\n"
    "  template notify NAME RES     render a template for a Rollout and "
    "print it\n"
    "  trigger get [NAME]           list the triggers and their conditions\n"
    "  trigger run NAME RES         evaluate a trigger's conditions for a "
    "Rollout\n"
    "  check                        validate a ConfigMap and Secret, "
    "report every problem\n"
    "  explain RES                  why a Rollout would (not) be notified, "
    "and what it gets\n"
    "  version                      print the version\n"
    "  controller                   run the notifications controller on a "
    "cluster\n"
    "\n"
    "Quick start:\n"
    "  rnotify check --config-map examples/catalog/"
    "argo-rollouts-notification-configmap.yaml\n"
    "  rnotify explain examples/rollouts/canary.yaml \\\n"
    "      --config-map examples/catalog/"
    "argo-rollouts-notification-configmap.yaml \\\n"
    "      --secret examples/catalog/argo-rollouts-notification-secret.yaml\n"
    "\n" CONFIG_FLAGS "\n"
    "Run 'rnotify COMMAND --help' for more about a command.\n" EXIT_CODES;

const char cli_help_template[] =
    "Commands about notification templates.\n"
    "\n"
    "A template (ConfigMap key template.<name>) is the text of a "
    "notification: a\n"
    "message and optional per-service parts (slack, email, webhook, ...), "
    "written\n"
    "as Go templates over the Rollout (.rollout), .secrets and .time.\n"
    "\n"
    "Usage:\n"
    "  rnotify template get [NAME] [-o wide|name|json|yaml]\n"
    "  rnotify template notify NAME RESOURCE [--recipient SERVICE[:RECIPIENT]]"
    "...\n"
    "\n"
    "Run 'rnotify template get --help' or 'rnotify template notify --help'.\n";

const char cli_help_template_get[] =
    "Lists the notification templates of the ConfigMap.\n"
    "\n"
    "Usage:\n"
    "  rnotify template get [NAME] [-o wide|name|json|yaml] [flags]\n"
    "\n"
    "Without NAME every template is listed (sorted by name); with NAME only "
    "that\n"
    "one (an unknown NAME prints nothing).  The default table shows the "
    "first line\n"
    "of each template's message (or of its JSON when it has no message).\n"
    "\n"
    "Flags:\n"
    "  -o, --output FORMAT     wide (table, the default), name (names only),\n"
    "                          json or yaml (the full templates)\n"
    "\n"
    "Examples:\n"
    "  # every template of the bundled catalog\n"
    "  rnotify template get --config-map "
    "examples/catalog/argo-rollouts-notification-configmap.yaml\n"
    "  # one template as YAML\n"
    "  rnotify template get rollout-completed -o yaml --config-map cm.yaml\n"
    "\n" CONFIG_FLAGS EXIT_CODES;

const char cli_help_template_notify[] =
    "Renders one template for a resource and hands the result to "
    "recipients.\n"
    "\n"
    "Usage:\n"
    "  rnotify template notify NAME RESOURCE "
    "[--recipient SERVICE[:RECIPIENT]]... [flags]\n"
    "\n"
    "Renders template NAME over RESOURCE and hands the notification to each\n"
    "recipient in turn; the first failure stops.  The default recipient,\n"
    "console:stdout, prints the notification as YAML (sorted keys) instead "
    "of\n"
    "sending it.  Secret values never appear in the output: they are "
    "replaced\n"
    "by ******.\n"
    "\n" RESOURCE_NOTE "\n"
    "Flags:\n"
    "      --recipient SERVICE[:RECIPIENT]\n"
    "                          where to send (repeatable; default "
    "console:stdout).\n"
    "                          SERVICE names a service of the ConfigMap "
    "(service.<type>\n"
    "                          or service.<type>.<name>): the notification "
    "is\n"
    "                          really sent, with the service's retry "
    "rules\n"
    "      --delivery-deadline DURATION\n"
    "                          the most one delivery may take, waits a "
    "server asks\n"
    "                          for included (default 30s); a server asking "
    "for more\n"
    "                          ends the delivery at once\n"
    "\n"
    "Examples:\n"
    "  # print what the rollout-completed template says about a Rollout\n"
    "  rnotify template notify rollout-completed "
    "examples/rollouts/canary.yaml \\\n"
    "      --config-map examples/catalog/"
    "argo-rollouts-notification-configmap.yaml --secret :empty\n"
    "\n" CONFIG_FLAGS EXIT_CODES;

const char cli_help_trigger[] =
    "Commands about triggers.\n"
    "\n"
    "A trigger (ConfigMap key trigger.<name>) is a list of conditions: each "
    "has a\n"
    "`when` expression over the Rollout and the templates it sends.  "
    "Triggers named\n"
    "after an Argo Rollouts event (on-rollout-completed, ...) with an empty "
    "`when`\n"
    "fire whenever that event happens.\n"
    "\n"
    "Usage:\n"
    "  rnotify trigger get [NAME] [-o wide|name|json|yaml]\n"
    "  rnotify trigger run NAME RESOURCE [--event REASON]\n"
    "\n"
    "Run 'rnotify trigger get --help' or 'rnotify trigger run --help'.\n";

const char cli_help_trigger_get[] =
    "Lists the triggers of the ConfigMap with their conditions.\n"
    "\n"
    "Usage:\n"
    "  rnotify trigger get [NAME] [-o wide|name|json|yaml] [flags]\n"
    "\n"
    "Without NAME every trigger is listed (sorted by name); with NAME only "
    "that one.\n"
    "The table has one row per condition: the templates it sends and its "
    "`when`.\n"
    "\n"
    "Flags:\n"
    "  -o, --output FORMAT     wide (table, the default), name (names only),\n"
    "                          json or yaml (every condition field)\n"
    "\n"
    "Examples:\n"
    "  rnotify trigger get --config-map "
    "examples/catalog/argo-rollouts-notification-configmap.yaml\n"
    "  rnotify trigger get on-purple -o yaml --config-map cm.yaml\n"
    "\n" CONFIG_FLAGS EXIT_CODES;

const char cli_help_trigger_run[] =
    "Evaluates the conditions of one trigger for a resource.\n"
    "\n"
    "Usage:\n"
    "  rnotify trigger run NAME RESOURCE [--event REASON] [flags]\n"
    "\n"
    "Prints one row per condition of trigger NAME: its `when` and whether "
    "it is\n"
    "true for RESOURCE.  A condition without `when` is shown as\n"
    "`always (event-driven)`: it sends whenever the Argo Rollouts event the\n"
    "trigger is named after happens, and is false otherwise.  --event "
    "simulates\n"
    "that event: RESULT then says whether the event would send.\n"
    "\n" RESOURCE_NOTE "\n"
    "Flags:\n"
    "      --event REASON      simulate an Argo Rollouts event, e.g.\n"
    "                          RolloutCompleted (runs trigger "
    "on-rollout-completed)\n"
    "\n"
    "Examples:\n"
    "  rnotify trigger run on-purple examples/rollouts/purple.yaml "
    "--config-map cm.yaml\n"
    "  rnotify trigger run on-rollout-paused examples/rollouts/bluegreen.yaml "
    "\\\n"
    "      --event RolloutPaused --config-map cm.yaml\n"
    "\n" CONFIG_FLAGS EXIT_CODES;

const char cli_help_check[] =
    "Validates a notification configuration and reports every problem.\n"
    "\n"
    "Usage:\n"
    "  rnotify check --config-map FILE [--secret FILE] [flags]\n"
    "\n"
    "Checks that the files are valid YAML, that every template parses, "
    "that every\n"
    "trigger condition compiles and sends existing templates, that "
    "subscriptions\n"
    "and default triggers name existing triggers and services, that "
    "services have\n"
    "their required settings, and that every $secret reference exists in "
    "the\n"
    "Secret, that the services accept their options, and that the data stays\n"
    "within the 1 MiB the Kubernetes API accepts.  Each problem is printed "
    "as\n"
    "FILE:LINE:COLUMN: KEY: MESSAGE.  A Secret value under 4 bytes, which no\n"
    "message can mask, gets a warning.  A clean configuration prints a "
    "one-line\n"
    "summary.\n"
    "\n"
    "Unlike Argo Rollouts, rnotify keeps using the good parts of a "
    "configuration\n"
    "with problems; check tells you what is being skipped.\n"
    "\n"
    "Example:\n"
    "  rnotify check --config-map examples/catalog/"
    "argo-rollouts-notification-configmap.yaml \\\n"
    "      --secret examples/catalog/argo-rollouts-notification-secret.yaml\n"
    "\n" CONFIG_FLAGS "\n"
    "Exit codes: 0 no problem, 1 bad command line, 2 problems found.\n";

const char cli_help_explain[] =
    "Explains why a Rollout would or would not be notified.\n"
    "\n"
    "Usage:\n"
    "  rnotify explain RESOURCE [--event REASON] [flags]\n"
    "\n"
    "For each trigger that has destinations for RESOURCE, explain prints "
    "where\n"
    "each destination came from (a subscribe annotation, a default "
    "subscription,\n"
    "default triggers), the value of each condition (or its error), the "
    "oncePer\n"
    "value, whether it would send now, and the rendered notification for "
    "each\n"
    "destination.  Secret values are replaced by ******.\n"
    "\n"
    "Without --event, explain follows the condition-driven path: a "
    "condition sends\n"
    "when its `when` is true and it was not notified already (the\n"
    "notified.notifications.argoproj.io annotation).  With --event REASON "
    "it\n"
    "follows the event-driven path for trigger on-<reason in kebab case>: "
    "conditions\n"
    "without `when` always send.\n"
    "\n" RESOURCE_NOTE "\n"
    "Flags:\n"
    "      --event REASON      simulate an Argo Rollouts event, e.g. "
    "RolloutPaused\n"
    "\n"
    "Example:\n"
    "  rnotify explain examples/rollouts/purple.yaml \\\n"
    "      --config-map examples/catalog/"
    "argo-rollouts-notification-configmap.yaml \\\n"
    "      --secret examples/catalog/argo-rollouts-notification-secret.yaml\n"
    "\n" CONFIG_FLAGS EXIT_CODES;

const char cli_help_version[] = "Prints the version of rnotify.\n"
                                "\n"
                                "Usage:\n"
                                "  rnotify version\n";

const char cli_help_controller[] =
    "Runs the notifications controller: watches Rollouts, AnalysisRuns, the\n"
    "Events of Rollouts and the notification ConfigMap and Secret, and sends\n"
    "what the triggers decide, with retries, recording each delivery on its\n"
    "Rollout so that nothing is sent twice.\n"
    "\n"
    "Usage:\n"
    "  rnotify controller [flags]\n"
    "\n"
    "Cluster:\n"
    "      --kubeconfig FILE        kubeconfig (else $KUBECONFIG, in-cluster, "
    "~/.kube/config)\n"
    "      --context NAME           kubeconfig context\n"
    "  -n, --namespace NS           watch only this namespace (default: "
    "all)\n"
    "      --config-namespace NS    where the ConfigMap, Secret and Lease "
    "live\n"
    "                               (default: $POD_NAMESPACE, else "
    "argo-rollouts)\n"
    "      --config-map NAME        (default "
    "argo-rollouts-notification-configmap)\n"
    "      --secret NAME            (default "
    "argo-rollouts-notification-secret)\n"
    "      --self-service-notification-enabled\n"
    "                               also use each namespace's own "
    "ConfigMap/Secret\n"
    "\n"
    "Serving:\n"
    "      --metrics-addr ADDR      /metrics (default :8090)\n"
    "      --health-addr ADDR       /healthz and /readyz (default :8080)\n"
    "      --status-addr ADDR       a read-only status page and its JSON under "
    "/api/\n"
    "                               (default: off; e.g. 127.0.0.1:8081)\n"
    "\n"
    "Leader election (only the leader sends):\n"
    "      --leader-elect           elect a leader on a Lease\n"
    "      --lease-name NAME        (default rnotify-controller)\n"
    "      --lease-namespace NS     (default: the config namespace)\n"
    "      --identity ID            (default: hostname + random suffix)\n"
    "      --lease-duration D       (default 15s)\n"
    "      --renew-deadline D       (default 10s)\n"
    "      --retry-period D         (default 2s)\n"
    "\n"
    "Delivery:\n"
    "      --catch-up-window D      on start, send what Events younger than "
    "this\n"
    "                               asked for and nothing recorded (default "
    "1h)\n"
    "      --delivery-deadline D    give a delivery up after retrying this "
    "long\n"
    "                               (default 10m)\n"
    "      --resync-period D        re-evaluate every Rollout this often "
    "(default 15m)\n"
    "      --dry-run                decide and render, log what would be "
    "sent,\n"
    "                               send and record nothing\n"
    "\n"
    "Logging:\n"
    "      --log-format text|json   (default text)\n"
    "      --log-level LEVEL        debug, info, warn, error (default info)\n"
    "\n"
    "Durations are Go durations: 15s, 10m, 1h.  SIGTERM stops taking work,\n"
    "drains the queue, releases the Lease and exits 0.\n";
