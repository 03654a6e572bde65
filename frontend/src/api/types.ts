/**
 * Named types derived from the generated OpenAPI paths (never hand-written shapes):
 * responses are `Readable` (no write-only fields), request bodies `Writable` (no read-only fields).
 */
import type { paths, Readable, Writable } from './schema.gen'

type Op<P extends keyof paths, M extends string> = M extends keyof paths[P] ? paths[P][M] : never
/** The JSON body of a response or request (any `…/json` media type, with or without `; charset=…`). */
type JsonOf<R> = R extends { content: infer C } ? C[Extract<keyof C, `${string}/json${string}`>] : never
type OkOf<O> = O extends { responses: infer R }
  ? R extends { 200: infer A }
    ? JsonOf<A>
    : R extends { 201: infer B }
      ? JsonOf<B>
      : never
  : never

export type Res<P extends keyof paths, M extends string = 'get'> = Readable<OkOf<Op<P, M>>>
export type Req<P extends keyof paths, M extends string = 'post'> = Writable<
  Op<P, M> extends { requestBody?: infer B } ? JsonOf<NonNullable<B>> : never
>
export type Query<P extends keyof paths, M extends string = 'get'> = NonNullable<
  Op<P, M> extends { parameters: { query?: infer Q } } ? Q : never
>

export type Branding = Res<'/api/branding'>
export type Me = Res<'/api/auth/me'>
export type User = Res<'/api/users'>[number]
export type UserCreate = Req<'/api/users'>
export type UserPatch = Req<'/api/users/{id}', 'patch'>
export type Customer = Res<'/api/customers/{id}'>
export type CustomerPage = Res<'/api/customers'>
export type CustomerInput = Req<'/api/customers'>
export type CustomerPatch = Req<'/api/customers/{id}', 'patch'>
export type CustomerQuery = Query<'/api/customers'>
export type Collateral = NonNullable<CustomerInput['collaterals']>[number]
export type Diagnosis = Res<'/api/diagnoses/{id}'>
export type SimulateInput = Req<'/api/diagnoses/simulate'>
/** What the engine returns (a stored diagnosis adds id, customer, rules version and time). */
export type DiagnosisResult = Res<'/api/diagnoses/simulate', 'post'>
export type Plan = Res<'/api/plans/{id}'>
export type PlanTask = Plan['tasks'][number]
export type PlanPatch = Req<'/api/plans/{id}', 'patch'>
export type Provider = Res<'/api/providers'>[number]
export type ProviderInput = Req<'/api/providers'>
export type Product = Res<'/api/products'>[number]
export type ProductInput = Req<'/api/products'>
export type Rules = Res<'/api/rules'>
export type ImportResult = Res<'/api/imports/customers', 'post'>
export type Dashboard = Res<'/api/dashboard'>
export type AuditPage = Res<'/api/audit-logs'>
export type Metrics = Res<'/api/system/metrics'>
