export default function Page() {
  return <div>TODO users</div>
}
