import { Counter, Gauge, register } from 'prom-client';
import { LifecycleState } from '../../common/lifecycle/lifecycle-state';
import { FaultInjector } from './fault-injector';
import { StressService } from './stress/stress.service';

/** What the control endpoints can do, as the `action` label of httpserver_control_actions_total. */
export const CONTROL_ACTIONS = [
  'readiness_disable',
  'readiness_enable',
  'liveness_disable',
  'liveness_enable',
  'panic',
  'faults_set',
  'faults_clear',
  'stress_cpu',
  'stress_memory',
  'stress_stop',
] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export const CONTROL_ACTIONS_COUNTER = Symbol('httpserver_control_actions_total');

/** A metric of the global registry, replacing one of the same name (the tests build several apps in one process). */
function fresh<T>(name: string, make: () => T): T {
  register.removeSingleMetric(name);
  return make();
}

/**
 * The steering state as gauges read at scrape time, so that dashboards and alerts see a fault, a
 * disabled probe or a load in force, and the count of control actions.
 */
export const steeringMetricProviders = [
  {
    provide: CONTROL_ACTIONS_COUNTER,
    useFactory: () =>
      fresh('httpserver_control_actions_total', () => {
        const counter = new Counter({
          name: 'httpserver_control_actions_total',
          help: 'Actions taken through the control endpoints, by action.',
          labelNames: ['action'],
          registers: [register],
        });
        // Every series exists from start-up at 0, so rate() sees the first action.
        for (const action of CONTROL_ACTIONS) counter.labels(action).inc(0);
        return counter;
      }),
  },
  {
    provide: 'STEERING_GAUGES',
    inject: [FaultInjector, LifecycleState, StressService],
    useFactory: (faults: FaultInjector, lifecycle: LifecycleState, stress: StressService) => {
      const gauge = (name: string, help: string, read: () => number): Gauge =>
        fresh(
          name,
          () =>
            new Gauge({
              name,
              help,
              registers: [register],
              collect() {
                this.set(read());
              },
            }),
        );
      return [
        gauge(
          'httpserver_fault_error_ratio',
          'Share of application requests failed on purpose (faults).',
          () => faults.settings.errorRate,
        ),
        gauge('httpserver_fault_status', 'Status of the requests failed on purpose; 0 while none are.', () =>
          faults.settings.errorRate > 0 ? faults.settings.status : 0,
        ),
        gauge(
          'httpserver_fault_delay_seconds',
          'Wait added to every application request on purpose.',
          () => faults.settings.delayMs / 1000,
        ),
        gauge('httpserver_readiness_disabled', '1 while POST /readyz/disable holds readiness down.', () =>
          Number(lifecycle.readinessDisabled),
        ),
        gauge('httpserver_liveness_disabled', '1 while POST /livez/disable holds liveness down.', () =>
          Number(lifecycle.livenessDisabled),
        ),
        gauge('httpserver_stress_cpu_cores', 'Cores kept busy by POST /stress/cpu.', () => stress.cpuCores),
        gauge(
          'httpserver_stress_memory_bytes',
          'Memory held by POST /stress/memory.',
          () => stress.memoryBytes,
        ),
      ];
    },
  },
];
