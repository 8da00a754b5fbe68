/* SPDX-License-Identifier: MIT */
/*
 * What a migration run leaves when its worker dies without tearing down
 * (kill -9, a crash): root QEMU guests holding hugepages (their libvirtd
 * leaves them running), private libvirtd and virtlogd, tracefs instances
 * with syscall tracing on, private directories.
 */
#ifndef MIGBENCH_REAPER_H
#define MIGBENCH_REAPER_H

#include "site.h"

/*
 * Take down what runs under site's state directory left: kill their
 * guests and daemons and wait until they are gone (so their hugepages
 * are free), remove tracefs instances of dead workers, remove the private
 * directories.  Only for when no migration run of this state directory
 * is going on.  Returns how many things it took down.
 */
int mb_reap_leftovers(const struct mb_site_policy *site);

#endif
