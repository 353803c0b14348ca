/*
 * Fake answers for the libvirt calls whose success the test driver never
 * gives (guest agent, jobs, launch security, power management…), preloaded
 * into stock virsh (LD_PRELOAD) so that its output for them can be compared
 * with tsvirsh's on the same answers (answers.ts). Written for tsvirt's
 * tests; the structures are laid out as libvirt's public ABI has them.
 */
#include <stdlib.h>
#include <string.h>

typedef void *virDomainPtr;
typedef struct {
    char field[80];
    int type;
    union { int i; unsigned int ui; long long l; unsigned long long ul; double d; char b; char *s; } value;
} Param;

enum { INT = 1, UINT, LLONG, ULLONG, DOUBLE, BOOLEAN, STRING };

static Param *params_new(int n) { return calloc(n, sizeof(Param)); }
static Param *set(Param *p, const char *field, int type) { strcpy(p->field, field); p->type = type; return p; }

int virDomainAuthorizedSSHKeysGet(virDomainPtr d, const char *user, char ***keys, unsigned int flags)
{
    char **k = calloc(3, sizeof(char *));
    k[0] = strdup("ssh-rsa AAA key1");
    k[1] = strdup("ssh-ed25519 BBB key2");
    *keys = k;
    return 2;
}

int virDomainGetGuestInfo(virDomainPtr d, unsigned int types, Param **params, int *nparams, unsigned int flags)
{
    Param *p = params_new(6);
    set(&p[0], "user.count", UINT)->value.ui = 1;
    set(&p[1], "user.0.name", STRING)->value.s = strdup("root");
    set(&p[2], "timezone.offset", INT)->value.i = -3600;
    set(&p[3], "fs.0.total-bytes", ULLONG)->value.ul = 123456789012ULL;
    set(&p[4], "disk.0.partition", BOOLEAN)->value.b = 1;
    set(&p[5], "load.1m", DOUBLE)->value.d = 0.25;
    *params = p;
    *nparams = 6;
    return 0;
}

int virDomainGetGuestVcpus(virDomainPtr d, Param **params, unsigned int *nparams, unsigned int flags)
{
    Param *p = params_new(3);
    set(&p[0], "vcpus", STRING)->value.s = strdup("0-3");
    set(&p[1], "online", STRING)->value.s = strdup("0-1");
    set(&p[2], "offlinable", STRING)->value.s = strdup("1-3");
    *params = p;
    *nparams = 3;
    return 0;
}

int virDomainGetLaunchSecurityInfo(virDomainPtr d, Param **params, int *nparams, unsigned int flags)
{
    Param *p = params_new(3);
    set(&p[0], "sev-measurement", STRING)->value.s = strdup("abc==");
    set(&p[1], "sev-api-major", UINT)->value.ui = 0;
    set(&p[2], "sev-policy", UINT)->value.ui = 3;
    *params = p;
    *nparams = 3;
    return 0;
}

/* Calls that only have to succeed. */
int virDomainAuthorizedSSHKeysSet(virDomainPtr d, const char *u, const char **k, unsigned int n, unsigned int f) { return 0; }
int virDomainSetGuestVcpus(virDomainPtr d, const char *c, int s, unsigned int f) { return 0; }
int virDomainSetLaunchSecurityState(virDomainPtr d, Param *p, int n, unsigned int f) { return 0; }
int virDomainPMSuspendForDuration(virDomainPtr d, unsigned int t, unsigned long long du, unsigned int f) { return 0; }
int virDomainPMWakeup(virDomainPtr d, unsigned int f) { return 0; }
int virDomainStartDirtyRateCalc(virDomainPtr d, int s, unsigned int f) { return 0; }
int virDomainUpdateDeviceFlags(virDomainPtr d, const char *x, unsigned int f) { return 0; }
int virDomainSetBlockThreshold(virDomainPtr d, const char *dev, unsigned long long t, unsigned int f) { return 0; }
int virDomainAbortJob(virDomainPtr d) { return 0; }
int virDomainAbortJobFlags(virDomainPtr d, unsigned int f) { return 0; }

/* The fields in another order than virsh prints them, and one it does not know. */
int virDomainBlockStatsFlags(virDomainPtr d, const char *disk, Param *params, int *nparams, unsigned int flags)
{
    static const char *names[] = {
        "rd_operations", "rd_bytes", "wr_operations", "wr_bytes", "flush_operations",
        "rd_total_times", "wr_total_times", "flush_total_times", "custom_field",
    };
    int i;

    if (*nparams == 0) {
        *nparams = 9;
        return 0;
    }
    for (i = 0; i < 9 && i < *nparams; i++)
        set(&params[i], names[8 - i], LLONG)->value.l = (9 - i) * 10;
    *nparams = 9;
    return 0;
}

/* A job of the type FAKE_JOB_TYPE names (bounded by default), with every statistic. */
int virDomainGetJobStats(virDomainPtr d, int *type, Param **params, int *nparams, unsigned int flags)
{
    const char *mode = getenv("FAKE_JOB_TYPE");
    Param *p = params_new(40);
    int n = 0;

    *type = 1;
    if (mode)
        *type = atoi(mode);
#define U(f, v) set(&p[n++], f, ULLONG)->value.ul = (v)
    set(&p[n++], "operation", INT)->value.i = 5;
    U("time_elapsed", 12345); U("time_elapsed_net", 12000); U("time_remaining", 678);
    U("data_total", 1073741824ULL); U("data_processed", 536870912ULL); U("data_remaining", 536870912ULL);
    U("memory_total", 1073741824ULL); U("memory_processed", 536870912ULL); U("memory_remaining", 536870912ULL);
    U("memory_bps", 10485760); U("memory_dirty_rate", 100); U("memory_page_size", 4096); U("memory_iteration", 3);
    U("memory_postcopy_requests", 7); U("memory_constant", 50); U("memory_normal", 60); U("memory_normal_bytes", 245760);
    U("disk_total", 2048); U("disk_processed", 1024); U("disk_remaining", 1024); U("disk_bps", 512);
    U("downtime", 30); U("downtime_net", 25); U("setup_time", 5);
    U("compression_cache", 67108864); U("compression_bytes", 1000); U("compression_pages", 10);
    U("compression_cache_misses", 2); U("compression_overflow", 1);
    set(&p[n++], "auto_converge_throttle", INT)->value.i = 20;
    set(&p[n++], "errmsg", STRING)->value.s = strdup("something failed");
    U("disk_temp_used", 11); U("disk_temp_total", 22);
#undef U
    *params = p;
    *nparams = n;
    return 0;
}
