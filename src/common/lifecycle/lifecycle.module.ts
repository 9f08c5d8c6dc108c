import { Global, Module } from '@nestjs/common';
import { LifecycleState } from './lifecycle-state';
import { OpenConnections } from './open-connections';

@Global()
@Module({ providers: [LifecycleState, OpenConnections], exports: [LifecycleState, OpenConnections] })
export class LifecycleModule {}
