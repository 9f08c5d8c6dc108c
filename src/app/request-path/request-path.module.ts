import { Module } from '@nestjs/common';
import { MetricsModule } from '../../metrics/metrics.module';
import { SteeringModule } from '../steering/steering.module';
import { ErrorResponseFilter } from './error-response.filter';
import { RequestBookkeeping } from './request-bookkeeping';
import { RequestInterceptor } from './request.interceptor';

/** The request path's injectable pieces; request-path.ts puts them on the path, in order. */
@Module({
  imports: [MetricsModule, SteeringModule],
  providers: [RequestBookkeeping, RequestInterceptor, ErrorResponseFilter],
  exports: [RequestBookkeeping, RequestInterceptor, ErrorResponseFilter],
})
export class RequestPathModule {}
