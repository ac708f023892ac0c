/**
 * POST /connections/test in local mode, when enabled (`SKYDAG_TEST_CONNECTION=Enabled`, Airflow's
 * [core] test_connection): skydag has no provider hooks to call, so the test is whether the
 * connection's host:port accepts a TCP connection within a few seconds.
 */
import { connect } from 'node:net';
import type { ConnectionTester } from '../../shared/api/ports.js';

export function tcpConnectionTester(timeoutMs = 5000): ConnectionTester {
  return {
    test({ host, port }) {
      if (!host || port === null) return Promise.resolve({ status: false, message: 'the connection needs a host and a port to be tested (skydag tests that host:port accepts a TCP connection)' });
      return new Promise((done) => {
        const socket = connect({ host, port, timeout: timeoutMs });
        const finish = (status: boolean, message: string) => {
          socket.destroy();
          done({ status, message });
        };
        socket.once('connect', () => finish(true, `Connection to ${host}:${port} succeeded`));
        socket.once('timeout', () => finish(false, `Connection to ${host}:${port} timed out after ${timeoutMs / 1000} s`));
        socket.once('error', (error: NodeJS.ErrnoException) => finish(false, `Connection to ${host}:${port} failed: ${error.code ?? error.message}`));
      });
    },
  };
}
