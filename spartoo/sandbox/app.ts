/**
 * A stand-in for Spartoo's seller webservices (SPEC §7, spartoo-webservices.md), for demos, tests and
 * benchmarks: the seven `/mp/` scripts answer as Spartoo does (HTTP 200, `<root>` XML, negative codes),
 * over GET or POST, url-encoded or multipart; `/_sandbox/` is the JSON admin side. State lives in
 * memory, per app instance.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerAdminRoutes } from './admin';
import { type FormBody, parseMultipart, parseUrlEncoded, type UploadedFile } from './form';
import { type CallRecord, type FaultKind, SandboxState } from './state';
import { renderAnswer, runScript, SCRIPTS, type SpartooScript } from './webservices';

export interface SandboxOptions {
  logger?: boolean;
  /** Seed of the fake data and fault draws; the same seed tells the same story. */
  seed?: number;
  /** How long an injected timeout holds the request when the client does not give up first. */
  timeoutHangMs?: number;
}

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

export function createSandbox(options: SandboxOptions = {}): FastifyInstance {
  const app = Fastify({
    // The merchant code may travel in the query string (GET): request lines are logged without it.
    logger: options.logger
      ? { serializers: { req: (req) => ({ method: req.method, url: pathOf(req.url) }) } }
      : false,
    bodyLimit: 20 * 1024 * 1024,
  });
  const state = new SandboxState(options.seed ?? 20_240_301);
  const timeoutHangMs = options.timeoutHangMs ?? 60_000;
  const waits = new Waits();

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, { fields: parseUrlEncoded(String(body)), files: {} } satisfies FormBody);
  });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      done(null, parseMultipart(body as Buffer, String(req.headers['content-type'])));
    } catch (err) {
      done(Object.assign(err as Error, { statusCode: 400 }), undefined);
    }
  });
  // Like PHP, which fills $_POST from form bodies only: any other body is read and left aside.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));

  app.addHook('preClose', async () => waits.releaseAll());

  registerAdminRoutes(app, state);

  app.route<{ Params: { script: string } }>({
    method: ['GET', 'POST'],
    url: '/mp/:script',
    handler: async (request, reply) => {
      const script = SCRIPTS[request.params.script];
      if (!script) return reply.code(404).type('text/html; charset=utf-8').send('<h1>404 Not Found</h1>');
      return serveScript(request, reply, request.params.script, script);
    },
  });

  async function serveScript(
    request: FastifyRequest,
    reply: FastifyReply,
    name: string,
    script: SpartooScript,
  ) {
    const params = formFields(request);
    const files = formFiles(request);
    const partenaire = params.partenaire?.trim() ?? '';
    const call = state.recordCall(partenaire, name, params);
    const faults = state.faultsFor(name);
    const random = state.random;

    if (faults.latencyMs > 0 && (await waits.wait(faults.latencyMs, reply)) === 'closed') {
      return abandon(reply, call, null);
    }
    // Every fault that loses the call is decided before the script runs: such a call changed nothing.
    if (state.overHourlyQuota(partenaire, faults)) {
      call.fault = 'rate_limited';
      return sendXml(reply, call, renderAnswer(script.shape, { code: -429 }), -429);
    }
    if (random() < faults.timeoutRate) {
      call.fault = 'timeout';
      await waits.wait(timeoutHangMs, reply);
      return abandon(reply, call, 'timeout');
    }
    const failure =
      random() < faults.failureRate
        ? (['http_500', 'truncated', 'lost_response'] as const)[Math.floor(random() * 3)]!
        : undefined;
    if (failure === 'http_500') {
      call.fault = failure;
      return reply
        .code(500)
        .type('text/html; charset=utf-8')
        .send('<html><body><h1>500 Internal Server Error</h1></body></html>');
    }
    if (failure === 'truncated') {
      // A body cut off mid-way, which even begins like a success.
      call.fault = failure;
      const whole = renderAnswer(script.shape, { code: 1 });
      return reply.type('text/xml; charset=utf-8').send(whole.slice(0, Math.floor(whole.length * 0.7)));
    }

    const result = runScript(state, script, params, files);
    const xml = renderAnswer(script.shape, result);
    if (failure === 'lost_response') {
      // The change is made, the answer never arrives: the retry must find it done (-9 / -18).
      call.code = result.code;
      return abandon(reply, call, failure);
    }
    if (random() < faults.malformedRate) {
      call.fault = 'malformed';
      return sendXml(reply, call, malform(xml, random()), result.code);
    }
    return sendXml(reply, call, xml, result.code);
  }

  return app;
}

const pathOf = (url: string | undefined) => (url ?? '').split('?')[0];

/** Query and form fields merged (the body wins), one string per name, as PHP's $_REQUEST. */
function formFields(request: FastifyRequest): Record<string, string> {
  const fields: Record<string, string> = {};
  const add = (source: unknown) => {
    if (typeof source !== 'object' || source === null) return;
    for (const [name, value] of Object.entries(source)) {
      const last = Array.isArray(value) ? value.at(-1) : value;
      if (typeof last === 'string') fields[name] = last;
    }
  };
  add(request.query);
  if (isForm(request)) add((request.body as FormBody | undefined)?.fields);
  return fields;
}

/** Files of a multipart body, as PHP's $_FILES. */
function formFiles(request: FastifyRequest): Record<string, UploadedFile> {
  return isForm(request) ? ((request.body as FormBody | undefined)?.files ?? {}) : {};
}

const isForm = (request: FastifyRequest) => {
  const type = String(request.headers['content-type'] ?? '').toLowerCase();
  return FORM_TYPES.some((t) => type.startsWith(t));
};

function sendXml(reply: FastifyReply, call: CallRecord, xml: string, code: number) {
  call.code = code;
  return reply.code(200).type('text/xml; charset=utf-8').send(xml);
}

/** Drops the connection without an answer. */
function abandon(reply: FastifyReply, call: CallRecord, fault: FaultKind | null) {
  if (fault) call.fault = fault;
  reply.hijack();
  reply.raw.destroy();
  return reply;
}

/** Broken XML of the kinds a PHP script produces: a warning before the document, a cut, a bad tag. */
function malform(xml: string, draw: number): string {
  if (draw < 1 / 3) {
    return `<br />\n<b>Warning</b>:  mysql_fetch_assoc() expects parameter 1 to be resource in <b>/var/www/mp/export.php</b> on line <b>42</b><br />\n${xml}`;
  }
  if (draw < 2 / 3) return xml.replace(/<\/root>\s*$/, '');
  return xml.replace('<root>', '<root><statut><id>1</id>').replace(/<\/root>/, '</rot>');
}

/** Pending waits of this app, released when it closes so a held request never delays shutdown. */
class Waits {
  private readonly pending = new Set<() => void>();

  /** Resolves after `ms`, or as soon as the client goes away ('closed'). */
  wait(ms: number, reply: FastifyReply): Promise<'elapsed' | 'closed'> {
    return new Promise((resolve) => {
      const finish = (outcome: 'elapsed' | 'closed') => {
        clearTimeout(timer);
        reply.raw.off('close', onClose);
        this.pending.delete(onClose);
        resolve(outcome);
      };
      const onClose = () => finish('closed');
      const timer = setTimeout(() => finish('elapsed'), ms);
      reply.raw.once('close', onClose);
      this.pending.add(onClose);
    });
  }

  releaseAll(): void {
    for (const release of [...this.pending]) release();
  }
}
