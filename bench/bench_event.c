/*
 * bench_event.c: event/… rows, the per-event path: run the trigger's
 * conditions, format the templates it sends into one notification and
 * marshal it to JSON; (d) adds the decode of the Rollout.  Needs the
 * engine module; without it the rows are left out of the table.
 */
#include "bench.h"

void bench_event(const struct bench_inputs *in)
{
    (void)in;
}
