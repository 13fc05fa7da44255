/* limits.h: every cap rnotify enforces on its inputs, in one place. */
#ifndef RN_LIMITS_H
#define RN_LIMITS_H

#define RN_JSON_MAX_DEPTH 512          /* nesting of arrays/objects */
#define RN_JSON_MAX_SIZE (64u << 20)   /* one JSON document */
#define RN_YAML_MAX_DEPTH 1000         /* nesting of YAML (manifests, values) */
#define RN_YAML_MAX_SIZE (16u << 20)
#define RN_TPL_MAX_PARSE_DEPTH 256     /* nested actions/parens */
#define RN_TPL_MAX_EXEC_DEPTH 10000    /* Go's maxExecDepth for template calls */
#define RN_TPL_MAX_OUTPUT (16u << 20)  /* rendered bytes of one template */
#define RN_TPL_MAX_RANGE_STEPS 10000000
#define RN_EXPR_MAX_DEPTH 256          /* parser nesting */
#define RN_EXPR_MAX_STEPS 10000000     /* VM steps per run */
#define RN_EXPR_MAX_ALLOC (64u << 20)  /* bytes one run may allocate */
#define RN_EXPR_MAX_NESTING 1000       /* lists/maps an expr run builds, nested */
#define RN_EXPR_MEMORY_BUDGET 1000000u /* expr's own budget of list slots */
#define RN_BUF_DEFAULT_MAX (64u << 20)
#define RN_KUBE_MAX_LINE (16u << 20)   /* one watch event line */
#define RN_KUBE_MAX_REPLY (64u << 20)  /* one API reply body (a list page) */
#define RN_KUBE_MAX_FILE (4u << 20)    /* kubeconfig, token, certificate files */
#define RN_KUBE_MAX_EXEC_OUT (1u << 20) /* an exec plugin's stdout */
#define RN_KUBE_RECORDER_KEYS 4096     /* Event recorder dedup cache */
#define RN_KUBE_MAX_DATA (1u << 20)    /* a ConfigMap's or Secret's data, as
                                          the API server allows it */
#define RN_INTERN_MAX_LEN 128          /* longest string shared (intern.h) */
#define RN_INTERN_MAX_STRINGS 32768    /* strings the intern table ever holds */
#define RN_INTERN_MAX_BYTES (2u << 20) /* and their bytes */
#define RN_DOC_MAX_DEPTH 10000         /* nesting doc_freeze copies */

#endif
