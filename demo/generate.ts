import { appendFileSync, mkdirSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'

// Sample logs for the demo, in the formats an operator's servers write:
// nginx's combined access log, RFC 3164 syslog lines (with a multiline Java
// stack trace in an app log), and Rails-style JSON request logs.

const ips = ['203.0.113.7', '198.51.100.23', '192.0.2.41', '10.1.2.3', '2001:db8::1']
const paths = ['/', '/login', '/api/v1/orders?page=2', '/static/app.3f9c.js', '/healthz', '/api/v1/users/42']
const agents = ['Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0', 'curl/8.5.0', 'kube-probe/1.31']
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0')
}

function httpDate(d: Date): string {
  return `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
}

function syslogDate(d: Date): string {
  return `${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
}

export function nginxLine(i: number, d: Date): string {
  const status = [200, 200, 200, 304, 404, 500][i % 6]
  return `${ips[i % ips.length]} - ${i % 7 === 0 ? 'alice' : '-'} [${httpDate(d)}] "${['GET', 'GET', 'POST'][i % 3]} ${paths[i % paths.length]} HTTP/1.1" ${status} ${(i * 131) % 9000} "https://shop.example/" "${agents[i % agents.length]}"`
}

export function syslogLine(i: number, d: Date): string {
  const programs = [['sshd', `Accepted publickey for deploy from ${ips[i % 4]} port ${40000 + i} ssh2`], ['CRON', '(root) CMD (run-parts /etc/cron.hourly)'], ['kernel', `[${(i * 1.5).toFixed(6)}] eth0: link up`]] as const
  const [program, msg] = programs[i % programs.length]!
  return `${syslogDate(d)} ${hostname()} ${program}[${1000 + (i % 50)}]: ${msg}`
}

export function railsLine(i: number, d: Date): string {
  return JSON.stringify({ time: d.toISOString(), level: i % 10 === 0 ? 'WARN' : 'INFO', method: ['GET', 'POST'][i % 2], path: paths[i % paths.length], controller: 'OrdersController', action: ['index', 'create'][i % 2], status: i % 10 === 0 ? 422 : 200, duration: Math.round((i % 97) * 1.7 * 100) / 100, request_id: `req-${i.toString(16).padStart(8, '0')}` })
}

export function javaTrace(d: Date): string[] {
  const ts = d.toISOString().replace('T', ' ').replace('Z', '')
  return [
    `${ts} ERROR [main] c.e.shop.OrderService - order failed`,
    'java.lang.IllegalStateException: inventory unavailable',
    '\tat com.example.shop.OrderService.place(OrderService.java:88)',
    '\tat com.example.shop.Api.handle(Api.java:41)',
    'Caused by: java.net.SocketTimeoutException: Read timed out',
    '\tat java.base/java.net.SocketInputStream.read(SocketInputStream.java:168)',
    '\t... 12 more',
  ]
}

export interface Generated {
  nginx: number
  syslog: number
  rails: number
  javaEvents: number
}

/** Appends `n` lines of each kind (and one Java trace every 100) under `dir`. */
export function generate(dir: string, n: number, start = 0): Generated {
  mkdirSync(join(dir, 'nginx'), { recursive: true })
  mkdirSync(join(dir, 'app'), { recursive: true })
  const now = Date.now()
  const nginx: string[] = []
  const syslog: string[] = []
  const rails: string[] = []
  const java: string[] = []
  let javaEvents = 0
  for (let i = start; i < start + n; i++) {
    const d = new Date(now - (start + n - i) * 10)
    nginx.push(nginxLine(i, d))
    syslog.push(syslogLine(i, d))
    rails.push(railsLine(i, d))
    if (i % 100 === 0) {
      java.push(...javaTrace(d))
      javaEvents++
    }
  }
  appendFileSync(join(dir, 'nginx', 'access.log'), nginx.join('\n') + '\n')
  appendFileSync(join(dir, 'syslog'), syslog.join('\n') + '\n')
  appendFileSync(join(dir, 'app', 'production.log'), rails.join('\n') + '\n')
  if (java.length) appendFileSync(join(dir, 'app', 'java.log'), java.join('\n') + '\n')
  return { nginx: n, syslog: n, rails: n, javaEvents }
}
