// A server role whose listening process still runs with the default soft nofile of 1024.
import { defineRule } from '../../src/core/define-rule.js';

const SERVER_ROLES = ['load-balancer', 'web-node'];

export default defineRule({
  id: 'limits/service-soft-nofile',
  keys: [],
  severity: 'warning',
  summary: 'A listening process on a server role runs with the default soft nofile limit of 1024',
  explanation:
    'A proxy or web server holds one descriptor per connection (two for a proxy), so 1024 runs out at the first ' +
    'traffic spike, and the failure ("Too many open files", EMFILE) looks like a network problem. Operators raise the ' +
    'limit in limits.conf, but services started by systemd never read limits.conf (pam_limits applies to login ' +
    'sessions only); systemd gives every unit LimitNOFILE=1024:524288 unless the unit or a drop-in says otherwise. ' +
    'The fix is a drop-in in /etc/systemd/system/<unit>.d/ with [Service] LimitNOFILE=soft:hard, then a daemon-reload ' +
    'and a restart of the service. Applies with the load-balancer and web-node profiles.',
  tradeoffs:
    'A higher soft limit costs nothing until used; a program that still uses select() breaks above 1024 descriptors, ' +
    'but the servers these roles run (nginx, HAProxy, Envoy, Node) use epoll.',
  history: ['systemd 240: units default to LimitNOFILE=1024:524288 (soft kept at 1024 for select() users).'],
  myth: '"I raised nofile in /etc/security/limits.conf" — systemd services never read it.',
  references: ['man 5 systemd.exec (LimitNOFILE=)', 'man 5 limits.conf ("does not affect resource limits of the system services")'],
  messages: {
    defaultSoft:
      'pid {pid} ({comm}{unitNote}) listens on port(s) {ports} with soft nofile {soft}: a {role} runs out of descriptors at the first spike. {fix}',
  },
  check({ facts, profile, report }) {
    const role = profile.names.find((n) => SERVER_ROLES.includes(n));
    if (!role) return;
    for (const p of facts.limits.processes ?? []) {
      const soft = p.nofile?.soft;
      if (!p.listenPorts.length || soft === null || soft === undefined || soft > 1024) continue;
      const fix = p.unit
        ? `Write the drop-in with \`knobs apply --profile ${profile.names.join(',')} --service ${p.unit}\` ([Service] LimitNOFILE=…), then restart ${p.unit}; limits.conf does not apply to it.`
        : 'Raise it where the process is started; if systemd starts it, a LimitNOFILE= drop-in, not limits.conf.';
      report(
        'defaultSoft',
        { pid: p.pid, comm: p.comm ?? '?', unitNote: p.unit ? `, ${p.unit}` : '', ports: p.listenPorts.join(', '), soft, role, fix },
        { key: null, current: String(soft) },
      );
    }
  },
});
