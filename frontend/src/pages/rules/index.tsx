export default function Page() {
  return <div>TODO rules</div>
}
