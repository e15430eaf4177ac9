import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

/**
 * The baseline of the ingest benchmark: a bare Fastify JSON route that parses the body and answers
 * 201 with an id, with no auth, no validation and no storage.
 */
const app = Fastify();
app.get('/readyz', async () => ({ status: 'ready' }));
app.post('/v1/events', async (request, reply) => reply.code(201).send({ id: randomUUID(), received: typeof request.body }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
