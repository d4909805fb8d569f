// Packets dropped before the stack saw them: the per-CPU input backlog
// (netdev_max_backlog) and the softirq budget (netdev_budget), from /proc/net/softnet_stat.
import { rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { toInt } from '../../src/core/values.js';
import { counterWindow } from '../../src/core/counter-window.js';

const BACKLOG = 'net.core.netdev_max_backlog';
const BUDGET = 'net.core.netdev_budget';
const ROLES = ['load-balancer', 'nat-facing'];

export default defineRule({
  id: 'net/receive-path',
  keys: [BACKLOG, BUDGET],
  severity: 'warning',
  requires: [BACKLOG],
  summary: 'The per-CPU input backlog overflowed, or the receive softirq keeps running out of budget',
  explanation:
    'Packets a driver hands to the stack without NAPI GRO, or steered to another CPU by RPS, wait in that CPU\'s ' +
    'input backlog; when it holds netdev_max_backlog packets (1000 by default) further ones are dropped and counted in ' +
    'the second column of /proc/net/softnet_stat ("dropped"). One softirq run processes at most netdev_budget packets ' +
    '(300) or runs netdev_budget_usecs (2 jiffies by default, 2 ms at HZ=1000, 8 ms at HZ=250); a run that stops with work ' +
    'left is a "time_squeeze" (third column), the rest waits for the next run or ksoftirqd. Drops are always reported, ' +
    'whatever the role: the fix is a larger backlog (memory: packets × their size, per CPU) and spreading the load. ' +
    'Squeezes are reported for load-balancer and nat-facing hosts, as a hint: a larger netdev_budget gives each run ' +
    'more packets at the cost of the latency of everything else on that CPU. Spreading is per device and not a sysctl: ' +
    'more NIC queues (ethtool -L), RPS (/sys/class/net/<if>/queues/rx-N/rps_cpus), RFS (net.core.rps_sock_flow_entries ' +
    'and rps_flow_cnt per queue), XPS for transmit (tx-N/xps_cpus); see the kernel\'s scaling.rst. The counters run since ' +
    'boot: knobs keeps the counters of its last audit of this boot in /var/lib/knobs/counters.json (where that directory exists) and judges the increase since then; without a sample the finding counts since boot and says so.',
  tradeoffs:
    'A larger backlog absorbs bursts but adds queueing delay and memory per CPU; a larger budget lowers squeezes but lets ' +
    'network processing hold a CPU longer (other softirqs and tasks wait).',
  history: [
    'enqueue_to_backlog() drops when the queue holds more than netdev_max_backlog and increments sd->dropped; softnet_seq_show() prints processed, dropped, time_squeeze as the first three hex columns (net/core/dev.c@6.12.0, net/core/net-procfs.c@6.12.0).',
    'net_rx_action(): stops when the budget (netdev_budget) is spent or netdev_budget_usecs has passed, and counts time_squeeze (net/core/dev.c@6.12.0); netdev_budget_usecs added in 4.12 (absent in net/core/sysctl_net_core.c@4.11.0, present @4.12.0), default 2 × USEC_PER_SEC / HZ (net/core/hotdata.c@6.12.0).',
  ],
  references: [
    'https://docs.kernel.org/networking/scaling.html',
    'https://docs.kernel.org/admin-guide/sysctl/net.html',
  ],
  messages: {
    backlogDrops:
      '{dropped} packets were dropped {window} because a CPU\'s input backlog held netdev_max_backlog ({backlog}) packets (/proc/net/softnet_stat, {cpus} CPUs). Raise netdev_max_backlog to {recommended}, and spread receive work over CPUs (NIC queues, RPS/RFS)',
    budgetSqueezes:
      'the receive softirq stopped with packets left {squeezes} times {window} (time_squeeze in /proc/net/softnet_stat): netdev_budget is {budget}. Under sustained load, a larger budget (600) or more CPUs on receive (NIC queues, RPS) helps; squeezes without drops are harmless',
  },
  check({ facts, profile, report }) {
    const s = facts.netStat?.softnet;
    if (!s) return;
    const drops = counterWindow(facts, 'softnet.dropped', s.dropped);
    const squeezes = counterWindow(facts, 'softnet.timeSqueeze', s.timeSqueeze);
    const backlogLive = facts.sysctl[BACKLOG]?.live ?? null;
    const backlog = toInt(backlogLive);
    if (drops.count > 0 && backlog !== undefined) {
      const recommended = String(Math.max(backlog * 2, 2000));
      const ok = rejectReason(BACKLOG, recommended, facts.kernel.version) === null;
      report(
        'backlogDrops',
        { dropped: drops.count, window: drops.window, backlog, cpus: s.cpus, recommended },
        { key: BACKLOG, current: backlogLive, recommended, ...(ok ? { change: { kind: 'sysctl' as const, key: BACKLOG, value: recommended } } : {}) },
      );
    }
    if (squeezes.count > 0 && ROLES.some((r) => profile.names.includes(r))) {
      const budget = facts.sysctl[BUDGET]?.live ?? '?';
      report('budgetSqueezes', { squeezes: squeezes.count, window: squeezes.window, budget }, { key: BUDGET, current: facts.sysctl[BUDGET]?.live ?? null, severity: 'info' });
    }
  },
});
