/**
 * A stand-in for the part of GitHub's API that comment-on-pr uses, on 127.0.0.1: list an
 * issue's comments (paginated like GitHub, with a `Link` header), create one, update one (REST),
 * and who the token is (GraphQL `viewer`, which answers the workflow token where REST `GET /user`
 * does not). Each token acts as a user: `github-actions[bot]` unless `users` names another.
 * Point the action at it with GITHUB_API_URL.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface StoredComment {
  id: number
  issue: number
  body: string
  user: string
}

export interface ApiRequest {
  method: string
  path: string
  authorization: string | undefined
  body: unknown
}

export interface GitHubApi {
  url: string
  comments: StoredComment[]
  requests: ApiRequest[]
  /** Answer every request with this status (e.g. 403, a fork's read-only token). */
  refuseWith(status: number | undefined): void
  stop(): Promise<void>
}

const LIST = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/
const ONE = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/

/** The workflow token's user, as REST names it. */
export const ACTIONS_BOT = 'github-actions[bot]'

export async function startGitHubApi(
  options: { repository?: string; perPage?: number; users?: Record<string, string> } = {}
): Promise<GitHubApi> {
  const repository = options.repository ?? 'acme/marketing-lists'
  const comments: StoredComment[] = []
  const requests: ApiRequest[] = []
  let refusal: number | undefined
  let nextId = 1000

  const server = createServer((req, res) => {
    void handle(req, res)
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const body: unknown = text ? JSON.parse(text) : undefined
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      authorization: req.headers.authorization,
      body
    })
    const send = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
      res.end(JSON.stringify(value))
    }
    if (refusal !== undefined) {
      send(refusal, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/issues/comments'
      })
      return
    }
    const token = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '')?.[1]
    const login = (token !== undefined ? options.users?.[token] : undefined) ?? ACTIONS_BOT
    if (url.pathname === '/graphql' && req.method === 'POST') {
      const query = (body as { query?: string } | undefined)?.query ?? ''
      if (!/\bviewer\s*\{\s*login\s*\}/.test(query)) {
        send(200, { errors: [{ message: `this stand-in answers only viewer { login }` }] })
        return
      }
      send(200, { data: { viewer: { login } } })
      return
    }
    const list = LIST.exec(url.pathname)
    const one = ONE.exec(url.pathname)
    const repoOf = (match: RegExpExecArray): string => `${match[1]}/${match[2]}`
    if (list && repoOf(list) === repository && req.method === 'GET') {
      const issue = Number(list[3])
      const perPage = Math.min(
        Number(url.searchParams.get('per_page') ?? 30),
        options.perPage ?? 100
      )
      const page = Number(url.searchParams.get('page') ?? 1)
      const all = comments.filter((c) => c.issue === issue)
      const slice = all.slice((page - 1) * perPage, page * perPage)
      const headers: Record<string, string> = {}
      if (page * perPage < all.length) {
        const next = new URL(url.toString().replace('http://127.0.0.1', address()))
        next.searchParams.set('page', String(page + 1))
        headers['Link'] = `<${next.toString()}>; rel="next"`
      }
      send(200, slice.map(view), headers)
      return
    }
    if (list && repoOf(list) === repository && req.method === 'POST') {
      const comment: StoredComment = {
        id: nextId++,
        issue: Number(list[3]),
        body: (body as { body: string }).body,
        user: login
      }
      comments.push(comment)
      send(201, view(comment))
      return
    }
    if (one && repoOf(one) === repository && req.method === 'PATCH') {
      const comment = comments.find((c) => c.id === Number(one[3]))
      if (!comment) {
        send(404, { message: 'Not Found' })
        return
      }
      comment.body = (body as { body: string }).body
      send(200, view(comment))
      return
    }
    send(404, { message: 'Not Found' })
  }

  function view(comment: StoredComment): object {
    return {
      id: comment.id,
      body: comment.body,
      user: { login: comment.user, type: 'Bot' },
      html_url: `https://github.com/${repository}/pull/${comment.issue}#issuecomment-${comment.id}`
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = (): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: address(),
    comments,
    requests,
    refuseWith(status) {
      refusal = status
    },
    stop: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}

/** Seeds a comment someone else wrote, so tests can check it is left alone. */
export function addComment(api: GitHubApi, issue: number, body: string, user = 'octocat'): void {
  api.comments.push({ id: 1 + api.comments.length, issue, body, user })
}
