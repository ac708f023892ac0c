/** The local connection test: host:port accepting a TCP connection, or why not. */
import { createServer, type AddressInfo } from 'node:net';
import { tcpConnectionTester } from './connection-tester.js';

const base = { conn_type: 'postgres', login: null, schema: null };

describe('tcpConnectionTester', () => {
  it('succeeds when host:port accepts a connection, fails with the reason when not', async () => {
    const server = createServer((socket) => socket.end());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const tester = tcpConnectionTester();
    expect(await tester.test({ ...base, host: '127.0.0.1', port })).toEqual({ status: true, message: `Connection to 127.0.0.1:${port} succeeded` });
    await new Promise<void>((done) => server.close(() => done()));
    expect(await tester.test({ ...base, host: '127.0.0.1', port })).toEqual({ status: false, message: `Connection to 127.0.0.1:${port} failed: ECONNREFUSED` });
    expect((await tester.test({ ...base, host: null, port: null })).status).toBe(false);
  });
});
